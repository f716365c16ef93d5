import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Lints snippets with the repository's own eslint.config.js, as `npm run lint` does.
const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedMessages(code: string, filePath = 'stacks/example.ts'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
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

describe('the offline harness stays apart', () => {
  const code = "import { startControlPlane } from '../../offline/cluster/control-plane.js';\nexport { startControlPlane };\n";

  it.each(['src/app-extra.ts', 'stacks/example.ts', 'scripts/ops/example.ts', 'scripts/kind/example.ts', 'tools/example.ts', 'main.ts'])('%s may not import offline/', async (file) => {
    const messages = await restrictedMessages(code, file);
    expect(messages.join('\n')).toMatch(/offline\/ is the offline harness/);
  });

  it('tests and the harness itself may', async () => {
    expect(await restrictedMessages(code, '__tests__/stacks/example.test.ts')).toEqual([]);
    expect(await restrictedMessages(code.replace('../../offline/cluster/', '../cluster/'), 'offline/toolchain/example.ts')).toEqual([]);
  });

  it('nothing in the product imports it today (ESLint over every product file)', async () => {
    const results = await eslint.lintFiles(['src', 'stacks', 'scripts', 'tools', 'main.ts']);
    expect(results.length).toBeGreaterThan(100);
    const hits = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${r.filePath}:${m.line} ${m.message}`));
    expect(hits).toEqual([]);
  }, 120_000);
});
