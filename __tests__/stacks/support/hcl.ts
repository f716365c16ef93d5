/**
 * Reads back the HCL expressions cdktf writes when a value passed to Fn.jsonencode / Fn.yamlencode
 * contains tokens, e.g.
 *
 *   "${jsonencode({\"Effect\" = \"Allow\", \"Resource\" = [aws_s3_bucket.b.arn, \"${aws_s3_bucket.b.arn}/*\"]})}"
 *
 * Only the subset cdktf emits is understood: objects (`{"k" = v, ...}`), tuples, quoted templates,
 * numbers, true/false/null, and bare expressions (references, function calls). A bare expression
 * comes back as the template string `${<expression>}`, the way a reference appears elsewhere in
 * the synthesized JSON, so both can be compared with the same helpers.
 */

export type HclValue = string | number | boolean | null | HclValue[] | { [key: string]: HclValue };

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): HclValue {
    const value = this.value();
    this.ws();
    if (this.pos !== this.text.length) this.fail('trailing input');
    return value;
  }

  private fail(what: string): never {
    throw new Error(`cannot parse HCL expression (${what}) at ${this.pos}: …${this.text.slice(Math.max(0, this.pos - 30), this.pos + 30)}…`);
  }

  private ws(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private value(): HclValue {
    this.ws();
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.tuple();
    if (c === '"') return this.template();
    const literal = /^(-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null)(?=[\s,\]}):]|$)/.exec(this.text.slice(this.pos));
    if (literal) {
      this.pos += literal[0].length;
      return literal[0] === 'true' ? true : literal[0] === 'false' ? false : literal[0] === 'null' ? null : Number(literal[0]);
    }
    return `\${${this.bare()}}`;
  }

  private object(): Record<string, HclValue> {
    const out: Record<string, HclValue> = {};
    this.pos++; // {
    for (;;) {
      this.ws();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const key = this.text[this.pos] === '"' ? this.template() : this.identifier();
      this.ws();
      if (this.text[this.pos] !== '=' && this.text[this.pos] !== ':') this.fail('expected = after an object key');
      this.pos++;
      out[key] = this.value();
      this.ws();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') this.fail('expected , or }');
    }
  }

  private tuple(): HclValue[] {
    const out: HclValue[] = [];
    this.pos++; // [
    for (;;) {
      this.ws();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.ws();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ']') this.fail('expected , or ]');
    }
  }

  private identifier(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected an object key');
    this.pos += m[0].length;
    return m[0];
  }

  /** A quoted template; `${…}` interpolations are kept verbatim. */
  private template(): string {
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\\') {
        const e = this.text[this.pos + 1];
        if (e === 'u') {
          out += String.fromCharCode(parseInt(this.text.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else {
          out += { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' }[e ?? ''] ?? e ?? '';
          this.pos += 2;
        }
      } else if (this.text.startsWith('$${', this.pos)) {
        out += '${';
        this.pos += 3;
      } else if (this.text.startsWith('${', this.pos)) {
        const start = this.pos;
        this.pos += 2;
        this.skipBalanced('}');
        out += this.text.slice(start, this.pos);
      } else {
        out += c;
        this.pos++;
      }
    }
  }

  /** Skips to just after the `close` that balances the current nesting level. */
  private skipBalanced(close: string): void {
    const stack = [close];
    while (stack.length > 0) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unbalanced expression');
      if (c === '"') {
        this.template();
        continue;
      }
      this.pos++;
      if (c === stack[stack.length - 1]) stack.pop();
      else if (c === '{') stack.push('}');
      else if (c === '[') stack.push(']');
      else if (c === '(') stack.push(')');
    }
  }

  /** A reference or function call: everything up to the next top-level , } ] or ). */
  private bare(): string {
    const start = this.pos;
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined || c === ',' || c === '}' || c === ']' || c === ')') break;
      if (c === '"') this.template();
      else if (c === '(' || c === '[' || c === '{') {
        this.pos++;
        this.skipBalanced(c === '(' ? ')' : c === '[' ? ']' : '}');
      } else this.pos++;
    }
    const text = this.text.slice(start, this.pos).trim();
    if (text === '') this.fail('expected a value');
    return text;
  }
}

export function parseHclExpression(text: string): HclValue {
  return new Parser(text).parse();
}

/**
 * The argument of a `${jsonencode(...)}` or `${yamlencode(...)}` attribute as a value. A plain
 * JSON string (what JSON.stringify produced, without tokens) is parsed as JSON.
 */
export function decodeEncoded(attribute: unknown, fn: 'jsonencode' | 'yamlencode' = 'jsonencode'): HclValue {
  if (typeof attribute !== 'string') throw new Error(`expected a string attribute, got ${JSON.stringify(attribute)}`);
  const prefix = `\${${fn}(`;
  if (attribute.startsWith(prefix) && attribute.endsWith(')}')) return parseHclExpression(attribute.slice(prefix.length, -2));
  if (fn === 'jsonencode') return JSON.parse(attribute) as HclValue;
  throw new Error(`expected \${${fn}(...)}, got ${attribute.slice(0, 80)}`);
}

/** Helm's merge of values documents: maps merge key by key, anything else is replaced. */
function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    const isMap = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
    out[k] = isMap(b) && isMap(v) ? mergeValues(b, v) : v;
  }
  return out;
}

/**
 * The effective values of a helm_release: its `values` documents (plain JSON, or `${yamlencode(...)}`
 * when they hold references) decoded and merged in order, as Helm does. References come back as
 * `${address.attr}` strings.
 */
export function helmReleaseValues(values: unknown): Record<string, unknown> {
  const docs = Array.isArray(values) ? values : [];
  if (docs.length === 0) throw new Error('the release has no values');
  return docs.reduce<Record<string, unknown>>((acc, doc) => {
    const decoded = typeof doc === 'string' && doc.startsWith('${yamlencode(') ? decodeEncoded(doc, 'yamlencode') : (JSON.parse(String(doc)) as HclValue);
    if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded)) throw new Error(`a values document is not a map: ${String(doc).slice(0, 80)}`);
    return mergeValues(acc, decoded as Record<string, unknown>);
  }, {});
}
