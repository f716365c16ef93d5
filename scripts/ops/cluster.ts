/**
 * `kubeconfig`, `url` and `status`: the running environment. kubectl and helm always get the
 * environment's own context (named like the cluster, as `kubeconfig` creates it), never the
 * current one, so a command for dev can never read or touch prod.
 */
import path from 'node:path';
import { clusterName } from '../../stacks/naming.js';
import { findHelmWith } from '../lib/tools.js';
import type { OpsDeps } from './deps.js';
import { requireTools } from './doctor.js';
import { select } from './deploy.js';
import { synth } from './synth.js';
import { TF_ENV, stackRef, terraformError, tfArgs } from './terraform-steps.js';
import { formatCommand, formatTable } from './table.js';

/** The chart's name: the Service is the release name when that contains it, else <release>-<chart> (hono-api.fullname). */
export const CHART_NAME = 'hono-api';
export const SERVICE_PORT = 80;
export const LOCAL_PORT = 8080;

export interface KubeTarget {
  readonly env: string;
  readonly region: string;
  readonly cluster: string;
  /** The kubeconfig context `kubeconfig` creates (--alias). */
  readonly context: string;
  readonly namespace: string;
  readonly release: string;
  readonly service: string;
  /** The configured public host name, if any. */
  readonly host?: string;
}

export function kubeTarget(deps: Pick<OpsDeps, 'config'>, env: string): KubeTarget {
  const e = deps.config.environments[env as keyof typeof deps.config.environments];
  const cluster = clusterName(deps.config.project, env);
  const release = e.app.releaseName;
  return {
    env,
    region: e.region,
    cluster,
    context: cluster,
    namespace: e.app.namespace,
    release,
    service: release.includes(CHART_NAME) ? release : `${release}-${CHART_NAME}`,
    ...(e.app.host ? { host: e.app.host } : {}),
  };
}

export const kubeconfigArgs = (t: KubeTarget) => ['eks', 'update-kubeconfig', '--region', t.region, '--name', t.cluster, '--alias', t.context];
export const portForwardArgs = (t: KubeTarget) => ['--context', t.context, '-n', t.namespace, 'port-forward', `svc/${t.service}`, `${LOCAL_PORT}:${SERVICE_PORT}`];

const firstLine = (text: string) => text.trim().split('\n').find((l) => l.trim()) ?? '';

const NO_CONTEXT = /context .* (does not exist|not found)|no context exists/i;

function kubeHint(t: KubeTarget, stderr: string): string {
  if (NO_CONTEXT.test(stderr)) return ` (no kubeconfig context "${t.context}": run \`npm run ops -- kubeconfig ${t.env}\` first)`;
  return '';
}

export async function kubeconfig(deps: OpsDeps, env: string, print: boolean): Promise<number> {
  const t = kubeTarget(deps, env);
  const line = formatCommand('aws', kubeconfigArgs(t));
  if (print) {
    deps.out(line);
    return 0;
  }
  const tools = await requireTools(deps, ['aws'], 'kubeconfig');
  if (!tools) return 1;
  deps.out(`$ ${line}`);
  const result = await deps.run(tools.aws!, kubeconfigArgs(t), { capture: true, cwd: deps.repoRoot, timeoutMs: 60_000 });
  if (result.exitCode !== 0) {
    const why = result.stderr.trim().split('\n').slice(-3).join(' ');
    deps.err(`error: aws eks update-kubeconfig failed (exit ${result.exitCode}): ${why}`);
    if (/ResourceNotFound|No cluster found/i.test(result.stderr)) deps.err(`hint: the cluster ${t.cluster} does not exist in ${t.region}: deploy it first (npm run ops -- deploy ${env}).`);
    return 1;
  }
  deps.out(`kubeconfig context "${t.context}" now points at the EKS cluster ${t.cluster} (${t.region}). Try: kubectl --context ${t.context} get nodes`);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// url
// ---------------------------------------------------------------------------------------------

interface IngressList {
  items?: {
    spec?: { rules?: { host?: string }[]; tls?: { hosts?: string[] }[] };
    status?: { loadBalancer?: { ingress?: { hostname?: string; ip?: string }[] } };
  }[];
}

/** What the release's Ingress says: its host (and whether TLS covers it) and its load balancer's address. */
export interface IngressInfo {
  readonly host?: string;
  readonly tls: boolean;
  readonly address?: string;
}

export function parseIngress(text: string): IngressInfo | undefined {
  const item = (JSON.parse(text) as IngressList).items?.[0];
  if (!item) return undefined;
  const host = item.spec?.rules?.find((r) => r.host)?.host;
  const lb = item.status?.loadBalancer?.ingress?.[0];
  const address = lb?.hostname ?? lb?.ip;
  return { ...(host ? { host } : {}), tls: host !== undefined && (item.spec?.tls ?? []).some((t) => t.hosts?.includes(host)), ...(address ? { address } : {}) };
}

export interface UrlReport {
  readonly env: string;
  /** Where the URL comes from: the live Ingress, the configured host, or nowhere yet (port-forward). */
  readonly source: 'ingress' | 'configured-host' | 'port-forward';
  readonly url?: string;
  /** The load balancer's own DNS name, when it has one. */
  readonly loadBalancer?: string;
  readonly portForward: string;
  readonly note?: string;
}

export function urlFrom(t: KubeTarget, ingress: IngressInfo | undefined, problem?: string): UrlReport {
  const portForward = formatCommand('kubectl', portForwardArgs(t));
  const lb = ingress?.address ? { loadBalancer: ingress.address } : {};
  if (ingress?.host)
    return {
      env: t.env,
      source: 'ingress',
      url: `${ingress.tls ? 'https' : 'http'}://${ingress.host}/`,
      ...lb,
      portForward,
      ...(ingress.address ? {} : { note: 'the load balancer has no address yet (the AWS Load Balancer Controller creates it within a few minutes)' }),
    };
  if (ingress?.address) return { env: t.env, source: 'ingress', url: `http://${ingress.address}/`, ...lb, portForward };
  const why = `the ingress has no load balancer address yet${problem ? ` (${problem})` : ''}`;
  if (t.host) return { env: t.env, source: 'configured-host', url: `https://${t.host}/`, portForward, note: why };
  return { env: t.env, source: 'port-forward', portForward, note: `${why}; meanwhile reach the service through a port-forward` };
}

export async function url(deps: OpsDeps, env: string, json: boolean): Promise<number> {
  const t = kubeTarget(deps, env);
  const tools = await requireTools(deps, ['kubectl'], 'url');
  if (!tools) return 1;
  const args = ['--context', t.context, '-n', t.namespace, 'get', 'ingress', '-l', `app.kubernetes.io/instance=${t.release}`, '-o', 'json'];
  const result = await deps.run(tools.kubectl!, args, { capture: true, cwd: deps.repoRoot, timeoutMs: 60_000 });
  let ingress: IngressInfo | undefined;
  let problem: string | undefined;
  if (result.exitCode !== 0) problem = `kubectl get ingress failed: ${firstLine(result.stderr)}${kubeHint(t, result.stderr)}`;
  else {
    try {
      ingress = parseIngress(result.stdout);
      if (!ingress) problem = `no ingress of the release ${t.release} in namespace ${t.namespace}`;
    } catch {
      problem = 'kubectl printed no JSON';
    }
  }
  const report = urlFrom(t, ingress, problem);
  if (json) deps.out(JSON.stringify(report, null, 2));
  else {
    if (report.url) deps.out(report.url);
    if (report.loadBalancer && report.url && !report.url.includes(report.loadBalancer)) deps.err(`(load balancer: ${report.loadBalancer})`);
    if (report.note) deps.err(`note: ${report.note}`);
    if (report.source !== 'ingress' || !report.loadBalancer) deps.out(`Port-forward: ${report.portForward}   (then http://127.0.0.1:${LOCAL_PORT}/)`);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// status
// ---------------------------------------------------------------------------------------------

type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

export interface StatusReport {
  readonly env: string;
  readonly stacks: readonly ({ name: string } & Outcome<Record<string, unknown>>)[];
  readonly release: Outcome<{ name: string; namespace: string; revision: number | null; status: string; updated: string | null; description: string | null }>;
  readonly deployments: Outcome<{ name: string; desired: number; ready: number; updated: number; available: number }[]>;
  /** Every part was read, and every deployment has all its replicas ready. */
  readonly healthy: boolean;
}

/** `terraform output -json` as name → value, sensitive values masked. */
export function parseOutputs(text: string): Record<string, unknown> {
  const raw = JSON.parse(text) as Record<string, { value?: unknown; sensitive?: boolean }>;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.sensitive ? '<sensitive>' : v.value]));
}

export function parseHelmStatus(text: string, fallback: { name: string; namespace: string }) {
  const s = JSON.parse(text) as { name?: string; namespace?: string; version?: number; info?: { status?: string; last_deployed?: string; description?: string } };
  return {
    name: s.name ?? fallback.name,
    namespace: s.namespace ?? fallback.namespace,
    revision: s.version ?? null,
    status: s.info?.status ?? 'unknown',
    updated: s.info?.last_deployed ?? null,
    description: s.info?.description ?? null,
  };
}

export function parseDeployments(text: string) {
  const list = JSON.parse(text) as { items?: { metadata?: { name?: string }; spec?: { replicas?: number }; status?: { readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number } }[] };
  return (list.items ?? []).map((d) => ({
    name: d.metadata?.name ?? '?',
    desired: d.spec?.replicas ?? 0,
    ready: d.status?.readyReplicas ?? 0,
    updated: d.status?.updatedReplicas ?? 0,
    available: d.status?.availableReplicas ?? 0,
  }));
}

export async function status(deps: OpsDeps, outdir: string, env: string, json: boolean): Promise<number> {
  const t = kubeTarget(deps, env);
  const tools = await requireTools(deps, ['terraform', 'kubectl', 'helm'], 'status');
  if (!tools) return 1;
  const manifest = await synth(deps, outdir, { environments: env });
  if (!manifest) return 1;
  const selection = select(deps, manifest, env, {});
  if (typeof selection === 'number') return selection;

  const stacks: StatusReport['stacks'][number][] = [];
  for (const s of selection.stacks) {
    const ref = stackRef(deps.repoRoot, outdir, s);
    if (!deps.fileExists(path.join(ref.absDir, '.terraform'))) {
      const step = deps.progress.start(`${s.name}: terraform init`);
      const init = await deps.run(tools.terraform!, tfArgs.init(ref.dir), { capture: true, env: TF_ENV, cwd: deps.repoRoot });
      step.done(init.exitCode === 0);
      if (init.exitCode !== 0) {
        stacks.push({ name: s.name, ok: false, error: `terraform init failed: ${terraformError(init, 6)}` });
        continue;
      }
    }
    const out = await deps.run(tools.terraform!, tfArgs.output(ref.dir), { capture: true, env: TF_ENV, cwd: deps.repoRoot });
    try {
      if (out.exitCode !== 0) throw new Error(terraformError(out, 6));
      const outputs = parseOutputs(out.stdout);
      stacks.push({ name: s.name, ok: true, value: outputs });
    } catch (err) {
      stacks.push({ name: s.name, ok: false, error: `terraform output failed: ${(err as Error).message}` });
    }
  }

  const helm = findHelmWith(deps)!;
  const hs = await deps.run(helm, ['status', t.release, '-n', t.namespace, '--kube-context', t.context, '-o', 'json'], { capture: true, cwd: deps.repoRoot, timeoutMs: 60_000 });
  let release: StatusReport['release'];
  try {
    if (hs.exitCode !== 0) throw new Error(`${firstLine(hs.stderr)}${kubeHint(t, hs.stderr)}`);
    release = { ok: true, value: parseHelmStatus(hs.stdout, { name: t.release, namespace: t.namespace }) };
  } catch (err) {
    release = { ok: false, error: `helm status failed: ${(err as Error).message}` };
  }

  const kd = await deps.run(tools.kubectl!, ['--context', t.context, '-n', t.namespace, 'get', 'deploy', '-l', `app.kubernetes.io/instance=${t.release}`, '-o', 'json'], {
    capture: true,
    cwd: deps.repoRoot,
    timeoutMs: 60_000,
  });
  let deployments: StatusReport['deployments'];
  try {
    if (kd.exitCode !== 0) throw new Error(`${firstLine(kd.stderr)}${kubeHint(t, kd.stderr)}`);
    deployments = { ok: true, value: parseDeployments(kd.stdout) };
  } catch (err) {
    deployments = { ok: false, error: `kubectl get deploy failed: ${(err as Error).message}` };
  }

  const healthy =
    stacks.every((s) => s.ok) && release.ok && release.value.status === 'deployed' && deployments.ok && deployments.value.length > 0 && deployments.value.every((d) => d.ready >= d.desired);
  const report: StatusReport = { env, stacks, release, deployments, healthy };
  deps.out(json ? JSON.stringify(report, null, 2) : renderStatus(report));
  return healthy ? 0 : 1;
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function renderStatus(r: StatusReport): string {
  const lines = [`Status of ${r.env}`, '', 'Stack outputs:'];
  for (const s of r.stacks) {
    if (!s.ok) lines.push(`  ${s.name}: ${s.error}`);
    else if (Object.keys(s.value).length === 0) lines.push(`  ${s.name}: (no outputs: not applied yet?)`);
    else for (const [k, v] of Object.entries(s.value)) lines.push(`  ${s.name}.${k} = ${show(v)}`);
  }
  lines.push('', 'Helm release:');
  lines.push(r.release.ok ? `  ${r.release.value.name} in ${r.release.value.namespace}: revision ${r.release.value.revision ?? '?'}, ${r.release.value.status}${r.release.value.updated ? ` (${r.release.value.updated})` : ''}` : `  ${r.release.error}`);
  lines.push('', 'Deployments:');
  if (!r.deployments.ok) lines.push(`  ${r.deployments.error}`);
  else if (r.deployments.value.length === 0) lines.push('  none found');
  else
    lines.push(
      ...formatTable(
        ['deployment', 'ready', 'updated', 'available'],
        r.deployments.value.map((d) => [d.name, `${d.ready}/${d.desired}`, String(d.updated), String(d.available)]),
      )
        .split('\n')
        .map((l) => `  ${l}`),
    );
  lines.push('', r.healthy ? 'Healthy: the release is deployed and every replica is ready.' : 'Not healthy (see above).');
  return lines.join('\n');
}
