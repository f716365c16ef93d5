/**
 * A cached virtualenv with FastAPI and uvicorn for the comparison target. Anything missing
 * (python3, venv, the package index) skips FastAPI with a reason instead of failing the run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const VENV_DIR = '.cache/bench-venv';

export type FastapiEnv = { readonly uvicorn: string; readonly versions: string } | { readonly skipped: string };

function run(file: string, args: string[], inherit = false): { ok: boolean; out: string } {
  const r = spawnSync(file, args, { encoding: 'utf8', stdio: inherit ? 'inherit' : 'pipe' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim() };
}

/** Which HTTP and event-loop implementation uvicorn will pick changes its speed a lot, so record it. */
const VERSIONS_PY = `import sys, fastapi, uvicorn, importlib.util as u
print(f"Python {sys.version.split()[0]}, fastapi {fastapi.__version__}, uvicorn {uvicorn.__version__}, "
      f"uvloop {'yes' if u.find_spec('uvloop') else 'no'}, httptools {'yes' if u.find_spec('httptools') else 'no'}")`;

export function ensureFastapiVenv(dir = VENV_DIR): FastapiEnv {
  const python = join(dir, 'bin', 'python');
  const uvicorn = join(dir, 'bin', 'uvicorn');
  if (!existsSync(python)) {
    if (!run('python3', ['--version']).ok) return { skipped: 'python3 not found on PATH' };
    process.stdout.write(`creating ${dir} (python3 -m venv)\n`);
    const venv = run('python3', ['-m', 'venv', dir]);
    if (!venv.ok) return { skipped: `python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv): ${venv.out}` };
  }
  if (!run(python, ['-c', 'import fastapi, uvicorn']).ok) {
    // Uses the machine's pip configuration (index, certificates); cached for later runs.
    process.stdout.write(`installing fastapi and uvicorn into ${dir} (first run only)\n`);
    if (!run(python, ['-m', 'pip', 'install', '--quiet', 'fastapi', 'uvicorn'], true).ok) return { skipped: 'pip install fastapi uvicorn failed (see pip output above)' };
  }
  const versions = run(python, ['-c', VERSIONS_PY]);
  if (!versions.ok || !existsSync(uvicorn)) return { skipped: `fastapi/uvicorn not importable after install: ${versions.out}` };
  return { uvicorn, versions: versions.out };
}
