/** The test helper that reads cdktf's jsonencode/yamlencode expressions back, tested on its own. */
import { describe, expect, it } from 'vitest';
import { decodeEncoded, parseHclExpression } from './support/hcl.js';

describe('parseHclExpression', () => {
  it('reads objects, tuples, strings, numbers and literals', () => {
    expect(parseHclExpression('{"a" = 1, "b" = [true, false, null, -2.5], "c" = {"d" = "e"}}')).toEqual({ a: 1, b: [true, false, null, -2.5], c: { d: 'e' } });
    expect(parseHclExpression('{}')).toEqual({});
    expect(parseHclExpression('[]')).toEqual([]);
  });

  it('keeps bare references and function calls as ${...} templates', () => {
    expect(parseHclExpression('[aws_s3_bucket.b.arn, data.aws_x.y.z[0].w, element(a.b, 1)]')).toEqual([
      '${aws_s3_bucket.b.arn}',
      '${data.aws_x.y.z[0].w}',
      '${element(a.b, 1)}',
    ]);
  });

  it('keeps interpolations inside strings verbatim, including nested quotes and braces', () => {
    expect(parseHclExpression('"arn:${data.p.q.partition}:s3:::${lookup({"k" = "v}"}, "k")}/*"')).toBe('arn:${data.p.q.partition}:s3:::${lookup({"k" = "v}"}, "k")}/*');
  });

  it('decodes escapes', () => {
    expect(parseHclExpression('"a\\"b\\\\c\\nd$${literal}"')).toBe('a"b\\c\nd${literal}');
  });

  it('rejects what it does not understand instead of guessing', () => {
    expect(() => parseHclExpression('{"a" 1}')).toThrow(/expected =/);
    expect(() => parseHclExpression('"open')).toThrow(/unterminated/);
    expect(() => parseHclExpression('[1, 2')).toThrow();
  });
});

describe('decodeEncoded', () => {
  it('unwraps ${jsonencode(...)} and ${yamlencode(...)}', () => {
    expect(decodeEncoded('${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Resource" = [x.y.arn, "${x.y.arn}/*"]}]})}')).toEqual({
      Version: '2012-10-17',
      Statement: [{ Resource: ['${x.y.arn}', '${x.y.arn}/*'] }],
    });
    expect(decodeEncoded('${yamlencode({"replicaCount" = 2})}', 'yamlencode')).toEqual({ replicaCount: 2 });
  });

  it('parses a plain JSON document', () => {
    expect(decodeEncoded('{"rules":[{"rulePriority":1}]}')).toEqual({ rules: [{ rulePriority: 1 }] });
  });
});
