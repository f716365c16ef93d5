/** The real process with an invalid configuration: exit code 1, one stderr line per problem, no stdout. */
import { afterEach, describe, expect, it } from 'vitest';
import { exitWithin, killAllServers, spawnServer } from '../helpers/server-process.js';

afterEach(killAllServers);

const stderrLines = (text: string) => text.split('\n').filter((l) => l.length > 0);

describe('server with invalid configuration', () => {
  it('PORT=abc exits 1 with one stderr line naming PORT, the value and what is allowed, and nothing on stdout', async () => {
    const proc = spawnServer({ PORT: 'abc' });
    const exit = await exitWithin(proc, 20_000);
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(proc.stdout()).toBe('');
    const lines = stderrLines(proc.stderr());
    expect(lines).toEqual([
      'invalid configuration: PORT="abc" is invalid: expected an integer from 0 to 65535 (0 picks a free port) (fix: set a valid value or unset it for the default 8080)',
    ]);
  });

  it('reports every bad variable, one line each, and never prints a secret', async () => {
    const secret = 'too short!';
    const proc = spawnServer({ LOG_LEVEL: 'chatty', METRICS_AUTH_TOKEN: secret, BODY_LIMIT_BYTES: '-5' });
    const exit = await exitWithin(proc, 20_000);
    expect(exit.code).toBe(1);
    expect(proc.stdout()).toBe('');
    const lines = stderrLines(proc.stderr());
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^invalid configuration: LOG_LEVEL="chatty" is invalid: expected one of trace, /);
    expect(lines[1]).toMatch(/^invalid configuration: BODY_LIMIT_BYTES="-5" is invalid: expected bytes, an integer from 0 to /);
    expect(lines[2]).toMatch(/^invalid configuration: METRICS_AUTH_TOKEN=<redacted> is invalid: /);
    expect(proc.stderr()).not.toContain(secret);
  });

  it('rejects a shutdown timeout that does not cover drain delay plus request timeout', async () => {
    const proc = spawnServer({ DRAIN_DELAY_MS: '1000', REQUEST_TIMEOUT_MS: '1000', SHUTDOWN_TIMEOUT_MS: '2000' });
    expect((await exitWithin(proc, 20_000)).code).toBe(1);
    expect(stderrLines(proc.stderr())).toEqual([expect.stringMatching(/^invalid configuration: SHUTDOWN_TIMEOUT_MS=2000 is invalid: it must be greater than/)]);
    expect(proc.stdout()).toBe('');
  });
});
