import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Lints snippets with the repository's own eslint.config.js, as `npm run lint` does.
const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedMessages(code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: 'stacks/example.ts' });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
    .map((m) => m.message);
}

describe('provider import rule', () => {
  it.each([
    ["import { vpc } from '@cdktf/provider-aws';", 'barrel'],
    ["import * as aws from '@cdktf/provider-aws';", 'namespace barrel'],
    ["import { Vpc } from '@cdktf/provider-aws/lib';", 'lib barrel'],
    ["import * as vpc from '@cdktf/provider-aws/lib/vpc';", 'namespace of a deep module'],
    ["import { release } from '@cdktf/provider-helm';", 'helm barrel'],
  ])('rejects %s (%s)', async (code) => {
    const messages = await restrictedMessages(`${code}\nexport {};\n`);
    expect(messages.length).toBeGreaterThan(0);
    expect(messages[0]).toMatch(/@cdktf\/provider-aws\/lib\/vpc/);
  });

  it('accepts a deep named import', async () => {
    expect(await restrictedMessages("import { Vpc } from '@cdktf/provider-aws/lib/vpc';\nexport { Vpc };\n")).toEqual([]);
  });
});
