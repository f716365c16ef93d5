/**
 * One benchmark invocation: build, start the servers, interleaved wrk rounds, RSS, cold starts,
 * then goals. Everything compared is measured here, in the same run, on 127.0.0.1.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, type as osType } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from './args.js';
import { atExit } from './children.js';
import { evaluateGoals } from './goals.js';
import { fetchOnce } from './http-probe.js';
import { clockTicksPerSecond, readCpuTicks, readRssBytes } from './procfs.js';
import type { BenchReport } from './report.js';
import { roundOrder } from './schedule.js';
import { cpuMicrosPerRequest, median, summarizeRounds } from './stats.js';
import { type RunningTarget, type TargetSpec, expectedBody, fastapiSpec, measureColdStartMs, nodeServerEnv, rawSpec, serviceSpec, startTarget } from './targets.js';
import type { RoundSample, TargetName, TargetResult } from './types.js';
import { ensureFastapiVenv } from './venv.js';
import { parseWrkOutput, runWrk, wrkArgs } from './wrk.js';

const BUNDLE = 'dist/server.mjs';
const log = (line: string) => process.stdout.write(`${line}\n`);
const loud = (line: string) => process.stderr.write(`\n!!! ${line}\n\n`);

function build(): void {
  log('building: npx tsx scripts/build.ts');
  const r = spawnSync('npx', ['tsx', 'scripts/build.ts'], { stdio: 'inherit', env: nodeServerEnv({}) });
  if (r.status !== 0) throw new Error(`build failed (exit ${r.status ?? r.signal})`);
}

function invocation(argv: readonly string[]): string {
  const args = argv.join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${args ? ` -- ${args}` : ''}`;
  return `npx tsx scripts/bench.ts${args ? ` ${args}` : ''}`;
}

/** Same body everywhere, or the comparison is between different amounts of work. */
async function checkBodies(running: readonly RunningTarget[], body: string): Promise<void> {
  for (const t of running) {
    const reply = await fetchOnce(t.url('/'));
    if (reply?.status !== 200 || reply.body !== body)
      throw new Error(`${t.spec.label} GET / returned ${reply?.status ?? 'nothing'} ${JSON.stringify(reply?.body)}, expected 200 ${body}`);
  }
}

export async function runBench(options: BenchOptions, argv: readonly string[]): Promise<BenchReport> {
  const started = performance.now();
  // Load average before and after tells a reader how noisy the machine was during this run.
  const loadBefore = loadavg()[0] ?? 0;
  const startedAt = new Date().toISOString();
  const notes: string[] = [];
  if (options.build) build();
  const bundleBytes = statSync(BUNDLE, { throwIfNoEntry: false })?.size;
  if (bundleBytes === undefined) throw new Error(`${BUNDLE} not found; run without --no-build`);

  const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  const tmp = mkdtempSync(join(tmpdir(), 'hono-bench-'));
  atExit(() => rmSync(tmp, { recursive: true, force: true }));
  const accessLog = join(tmp, 'access.log');

  const specs: TargetSpec[] = [rawSpec(version), serviceSpec(accessLog)];
  const skipped: Partial<Record<TargetName, string>> = {};
  const fastapi = options.fastapi ? ensureFastapiVenv() : { skipped: 'disabled with --no-fastapi' };
  if ('skipped' in fastapi) {
    skipped.fastapi = fastapi.skipped;
    loud(`FastAPI target SKIPPED: ${fastapi.skipped}. The "service ÷ FastAPI" goal will be NOT MEASURED.`);
  } else {
    specs.push(fastapiSpec(fastapi.uvicorn, version));
    notes.push(`FastAPI: ${fastapi.versions}; \`uvicorn app:app --workers 1 --log-level warning --no-access-log\`.`);
    // The FastAPI ratio depends heavily on this, so say it next to the number.
    if (/uvloop no|httptools no/.test(fastapi.versions))
      notes.push('uvicorn is running on plain asyncio + h11 here; `uvicorn[standard]` (uvloop + httptools), common in production, is markedly faster, so the FastAPI ratio is flattering.');
  }

  const running: RunningTarget[] = [];
  for (const spec of specs) {
    try {
      running.push(await startTarget(spec));
    } catch (err) {
      if (spec.name !== 'fastapi') throw err;
      skipped.fastapi = `failed to start: ${(err as Error).message.split('\n')[0]}`;
      loud(`FastAPI target SKIPPED: ${(err as Error).message}`);
    }
  }
  log(`servers: ${running.map((t) => `${t.spec.name} pid ${t.pid} on ${t.url()}`).join(', ')}`);
  await checkBodies(running, expectedBody(version));

  const load = { threads: options.threads, connections: options.connections };
  const ticksPerSecond = clockTicksPerSecond();
  let serviceRequests = 0;
  for (const t of running) {
    log(`warm-up ${t.spec.name} ${options.warmupSeconds} s`);
    const warm = parseWrkOutput(await runWrk({ ...load, seconds: options.warmupSeconds }, t.url()));
    if (t.spec.name === 'service') serviceRequests += warm.requests;
  }

  const samples: RoundSample[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const t of roundOrder(running, round)) {
      const before = readCpuTicks(t.pid);
      const wrk = parseWrkOutput(await runWrk({ ...load, seconds: options.roundSeconds }, t.url()));
      const cpuTicks = readCpuTicks(t.pid) - before;
      const sample: RoundSample = { ...wrk, round: round + 1, target: t.spec.name, cpuTicks, cpuMicrosPerRequest: cpuMicrosPerRequest(cpuTicks, ticksPerSecond, wrk.requests) };
      samples.push(sample);
      if (t.spec.name === 'service') serviceRequests += wrk.requests;
      log(
        `round ${round + 1}/${options.rounds} ${t.spec.name.padEnd(7)} ${wrk.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${wrk.latencyMs.p50.toFixed(2)} ms  p99 ${wrk.latencyMs.p99.toFixed(2)} ms  ${sample.cpuMicrosPerRequest.toFixed(1)} µs CPU/req${wrk.non2xx ? `  ${wrk.non2xx} NON-2XX` : ''}`,
      );
    }
  }

  const rss = new Map(running.map((t) => [t.spec.name, readRssBytes(t.pid)]));
  const logBytes = statSync(accessLog).size;
  notes.push(`Service access log: ${(logBytes / 1024 / 1024).toFixed(1)} MiB written to a file (~${(logBytes / Math.max(serviceRequests, 1)).toFixed(0)} B per request), so logging cost is included.`);
  await Promise.all(running.map((t) => t.stop()));

  const cold = new Map<TargetName, number[]>();
  const coldSpecs = specs.filter((s) => !skipped[s.name]);
  for (let i = 0; i < options.coldStarts; i++) {
    for (const spec of roundOrder(coldSpecs, i)) {
      const ms = await measureColdStartMs(spec);
      cold.set(spec.name, [...(cold.get(spec.name) ?? []), ms]);
      log(`cold start ${i + 1}/${options.coldStarts} ${spec.name.padEnd(7)} ${ms.toFixed(1)} ms`);
    }
  }

  const targets: TargetResult[] = specs.map((spec) => {
    const reason = skipped[spec.name];
    if (reason) return { name: spec.name, label: spec.label, skipped: reason };
    const mine = samples.filter((s) => s.target === spec.name);
    const coldRuns = cold.get(spec.name) ?? [];
    return {
      name: spec.name,
      label: spec.label,
      load: summarizeRounds(mine),
      rssBytes: rss.get(spec.name),
      coldStartMs: coldRuns.length ? median(coldRuns) : undefined,
      coldStartRunsMs: coldRuns,
    };
  });
  if (skipped.fastapi && !specs.some((s) => s.name === 'fastapi')) targets.push({ name: 'fastapi', label: 'FastAPI + uvicorn (1 worker)', skipped: skipped.fastapi });
  const byName = (n: TargetName) => targets.find((t) => t.name === n);

  const cpu = cpus();
  return {
    startedAt,
    durationSeconds: (performance.now() - started) / 1000,
    command: invocation(argv),
    wrkCommand: `wrk ${wrkArgs({ ...load, seconds: options.roundSeconds }, 'http://127.0.0.1:<port>/').join(' ')}`,
    options,
    machine: `Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${osType()} ${release()}, 1-min load average ${loadBefore.toFixed(2)} before / ${(loadavg()[0] ?? 0).toFixed(2)} after, CLK_TCK ${ticksPerSecond}`,
    bundleBytes,
    targets,
    goals: evaluateGoals({ raw: byName('raw'), service: byName('service'), fastapi: byName('fastapi'), bundleBytes }),
    rounds: samples,
    notes,
  };
}
