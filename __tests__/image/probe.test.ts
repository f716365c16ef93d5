import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { freePort, parseStatusIds, parseTarListing, waitForStatus } from '../../scripts/image/lib/probe.js';
import { CommandError, describeCommand, mustRun, runCommand, tail } from '../../scripts/lib/run.js';

describe('parseStatusIds', () => {
  const status = 'Name:\tnode\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t65532\t65532\t65532\t65532\nGid:\t65532\t65532\t65532\t65532\n';

  it('reads real, effective, saved and file system ids', () => {
    expect(parseStatusIds(status, 'Uid')).toEqual({ real: 65532, effective: 65532, saved: 65532, filesystem: 65532 });
    expect(parseStatusIds('Uid:\t0\t1000\t0\t1000\n', 'Uid')).toEqual({ real: 0, effective: 1000, saved: 0, filesystem: 1000 });
  });

  it('throws without the line', () => {
    expect(() => parseStatusIds('Name:\tnode\n', 'Gid')).toThrow(/no Gid: line/);
  });
});

describe('parseTarListing', () => {
  it('reads type, size and path from tar -tv --numeric-owner, without ./ prefixes, trailing slashes or the root', () => {
    const listing = [
      'drwxr-xr-x 0/0               0 2026-11-21 02:28 ./',
      'drwxr-xr-x 65532/65532       0 2026-11-21 02:41 ./app/',
      '-rw-r--r-- 65532/65532  452691 2026-11-21 02:41 ./app/server.mjs',
      'lrwxrwxrwx 0/0               0 2026-11-21 02:28 ./lib64 -> usr/lib64',
      '-rw-r--r-- 0/0            3144 2023-01-08 10:01 ./etc/file with spaces',
      'hrw-r--r-- 0/0               0 2023-01-08 10:01 ./etc/hard link to ./etc/file with spaces',
      '',
    ].join('\n');
    expect(parseTarListing(listing)).toEqual([
      { path: 'app', type: 'd', size: 0 },
      { path: 'app/server.mjs', type: '-', size: 452691 },
      { path: 'etc/file with spaces', type: '-', size: 3144 },
      { path: 'etc/hard', type: 'h', size: 0 },
      { path: 'lib64', type: 'l', size: 0 },
    ]);
  });
});

describe('freePort and waitForStatus', () => {
  it('waits until the server answers the wanted status', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    let calls = 0;
    const server = createServer((_req, res) => {
      calls++;
      res.statusCode = calls < 3 ? 503 : 200;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const wait = await waitForStatus(`http://127.0.0.1:${port}/readyz`, { timeoutMs: 5000, intervalMs: 5 });
      expect(wait.attempts).toBe(3);
    } finally {
      server.close();
    }
  });

  it('gives up with the last error', async () => {
    const port = await freePort();
    await expect(waitForStatus(`http://127.0.0.1:${port}/`, { timeoutMs: 100, intervalMs: 10 })).rejects.toThrow(/did not answer 200 within 100 ms/);
  });
});

describe('runCommand', () => {
  it('collects output and the exit code, without a shell', async () => {
    const result = await runCommand(process.execPath, ['-e', 'process.stdout.write("out"); process.stderr.write("err"); process.exit(3)']);
    expect(result).toMatchObject({ exitCode: 3, stdout: 'out', stderr: 'err' });
  });

  it('reports a missing program as exit code 127', async () => {
    expect((await runCommand('/nonexistent/program', [])).exitCode).toBe(127);
  });

  it('mustRun throws a CommandError with the end of the output', async () => {
    const error = await mustRun(runCommand, process.execPath, ['-e', 'console.error("line 1\\nboom"); process.exit(2)']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).message).toMatch(/failed with exit code 2:\nline 1\nboom/);
    expect((error as CommandError).result.exitCode).toBe(2);
  });

  it('describes commands the way a shell would need them', () => {
    expect(describeCommand(['podman', 'run', '-e', 'ROOT_MESSAGE=hi there', "it's"])).toBe(`podman run -e 'ROOT_MESSAGE=hi there' 'it'\\''s'`);
    expect(tail('a\nb\nc\n', 2)).toBe('b\nc');
  });
});
