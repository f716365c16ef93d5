/**
 * A local AWS for the bootstrap test: moto's server mode (pinned in tools/versions.json) on a free
 * 127.0.0.1 port, over TLS with a certificate made for this run, through the launcher that makes
 * moto evaluate the state bucket's TLS-only policy (moto_server.py).
 *
 * Nothing in the stacks changes for it: the AWS provider and the S3 backend both read
 * AWS_ENDPOINT_URL and AWS_CA_BUNDLE from the environment, so `env` below is the whole redirection
 * and the synthesised JSON is the one a real account gets. The product never imports this file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/lib/net.js';
import { mustRun, runCommand, tail } from '../../scripts/lib/run.js';
import { type Toolchain, toolchain } from '../../tools/toolchain.js';

const LAUNCHER = fileURLToPath(new URL('./moto_server.py', import.meta.url));

/** The account moto answers for (any 12 digits; not a real account). */
export const EMULATED_ACCOUNT_ID = '111122223333';
export const EMULATED_REGION = 'eu-west-1';

export interface Emulator {
  readonly endpoint: string;
  /** What a terraform, aws or ops process needs to talk to the emulator and nothing else. */
  readonly env: NodeJS.ProcessEnv;
  readonly log: string;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** Holds the certificate and the log; the caller removes it. */
  readonly dir: string;
  readonly chain?: Toolchain;
  readonly timeoutMs?: number;
}

function ready(endpoint: string, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    https
      .get(`${endpoint}/moto-api/`, { ca, timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('timeout', function (this: ClientRequest) {
        this.destroy();
      })
      .on('error', () => resolve(false));
  });
}

export async function startEmulator({ dir, chain = toolchain(), timeoutMs = 60_000 }: EmulatorOptions): Promise<Emulator> {
  mkdirSync(dir, { recursive: true });
  const cert = path.join(dir, 'emulator.crt');
  const key = path.join(dir, 'emulator.key');
  // A self-signed P-256 certificate for loopback only, valid two days: the AWS CLI, terraform's
  // provider and the S3 backend all verify it through AWS_CA_BUNDLE.
  await mustRun(runCommand, 'openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=aws-emulator', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', key, '-out', cert,
  ], { timeoutMs: 30_000 });

  const python = path.join(path.dirname(chain.bin('moto_server')), 'python');
  const port = await freePort();
  const endpoint = `https://127.0.0.1:${port}`;
  const log = path.join(dir, 'moto.log');
  const fd = openSync(log, 'a');
  const child: ChildProcess = spawn(python, [LAUNCHER, '-H', '127.0.0.1', '-p', String(port), '-s', '-c', cert, '-k', key], {
    // Its own process group, so stop() takes any worker with it.
    detached: true,
    stdio: ['ignore', fd, fd],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MOTO_ACCOUNT_ID: EMULATED_ACCOUNT_ID,
      // The AWS-managed policies the stacks attach (AmazonEKSClusterPolicy…) exist in a real account.
      MOTO_IAM_LOAD_MANAGED_POLICIES: 'true',
    },
  });
  closeSync(fd);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };

  const ca = readFileSync(cert);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`moto_server exited (${child.exitCode ?? child.signalCode}) while starting; the end of ${log}:\n${tail(readFileSync(log, 'utf8'), 20)}`);
    if (await ready(endpoint, ca)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server was not ready on ${endpoint} within ${timeoutMs / 1000} s; the end of ${log}:\n${tail(readFileSync(log, 'utf8'), 20)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const env: NodeJS.ProcessEnv = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_CA_BUNDLE: cert,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: EMULATED_REGION,
    AWS_DEFAULT_REGION: EMULATED_REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    // No profile, SSO cache or shared credentials of the user's may leak into the run.
    AWS_CONFIG_FILE: path.join(dir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'aws-credentials'),
    AWS_PROFILE: undefined,
    AWS_SESSION_TOKEN: undefined,
  };
  return { endpoint, env, log, stop };
}
