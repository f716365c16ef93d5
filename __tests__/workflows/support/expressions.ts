/**
 * GitHub Actions expressions evaluated by @actions/expressions, the parser and evaluator of GitHub's
 * own language services (actions/languageservices), instead of string matching: a workflow value
 * such as `ci-${{ github.event.pull_request.number || github.sha }}` is evaluated the way the runner
 * would for a given context (github, inputs, …).
 */
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';

/** One `${{ … }}` body evaluated against `context` (plain JSON: { github: {...}, inputs: {...} }). */
export function evaluateExpression(expression: string, context: Record<string, unknown>): data.ExpressionData {
  const lexed = new Lexer(expression).lex();
  const parsed = new Parser(lexed.tokens, Object.keys(context), []).parse();
  const values = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  return new Evaluator(parsed, values).evaluate();
}

/**
 * A workflow value with `${{ … }}` parts, as the runner computes it: a value that is exactly one
 * expression keeps its type (a boolean stays a boolean), otherwise each part is interpolated as a string.
 */
export function evaluateValue(value: unknown, context: Record<string, unknown>): unknown {
  if (typeof value !== 'string') return value;
  const whole = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(value);
  if (whole) return JSON.parse(JSON.stringify(evaluateExpression(whole[1]!, context), data.replacer)) as unknown;
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) => evaluateExpression(expr, context).coerceString());
}
