/**
 * Checks the values a helm_release sets against the chart's own default values.yaml: a key the
 * chart does not have is ignored by Helm without a word (a typo, or a setting upstream renamed or
 * withdrew), so the add-on silently runs without it.
 *
 * A key is known when the defaults have it, or when values.yaml documents it commented out
 * (`# storageClassName: default`), as charts do for optional settings. Below a default that is an
 * empty map, null, a list or a scalar, anything goes (free-form maps such as podAnnotations).
 */
import { parse } from 'yaml';

const KEY_LINE = /^(\s*)(#+\s*)?("?)([A-Za-z0-9_.\-/]+)\3:(\s|$)/;

/** Paths (a.b.c) of the keys values.yaml documents only in comments, under their uncommented parents. */
export function commentedKeyPaths(text: string): Set<string> {
  const found = new Set<string>();
  const stack: { indent: number; key: string }[] = [];
  for (const line of text.split('\n')) {
    const m = KEY_LINE.exec(line);
    if (!m || line.trimStart().startsWith('- ')) continue;
    const indent = m[1]!.length;
    while (stack.length > 0 && stack.at(-1)!.indent >= indent) stack.pop();
    const key = m[4]!;
    if (m[2]) found.add([...stack.map((s) => s.key), key].join('.'));
    else stack.push({ indent, key });
  }
  return found;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every path of `values` the chart's values.yaml (text) neither sets nor documents. */
export function unknownValuePaths(values: Record<string, unknown>, valuesYaml: string): string[] {
  const defaults = parse(valuesYaml) as Record<string, unknown>;
  const commented = commentedKeyPaths(valuesYaml);
  const unknown: string[] = [];
  const walk = (set: Record<string, unknown>, base: unknown, prefix: string) => {
    for (const [key, value] of Object.entries(set)) {
      const at = prefix ? `${prefix}.${key}` : key;
      if (isMap(base) && key in base) {
        const next = base[key];
        if (isMap(value) && isMap(next) && Object.keys(next).length > 0) walk(value, next, at);
      } else if (!commented.has(at)) unknown.push(at);
    }
  };
  walk(values, defaults, '');
  return unknown;
}
