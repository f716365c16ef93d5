/**
 * Alerts reach a person: the Alertmanager configuration the platform stack gives
 * kube-prometheus-stack, judged by Alertmanager's own amtool (`check-config`, `config routes test`):
 * every alert goes to the environment's SNS topic, Watchdog to the daily heartbeat, InfoInhibitor
 * nowhere. The broken twin is the chart's default, which routes everything to "null".
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCommand } from '../../scripts/lib/run.js';
import { alertmanagerConfig } from '../../stacks/constructs/addons/alerting.js';
import { toolchain } from '../../tools/toolchain.js';
import { helmReleaseValues } from './support/hcl.js';
import { ENVIRONMENTS, envConfig, synthPlatform } from './support/platform.js';
import { at, list, resources } from './support/tfjson.js';

const chain = toolchain();
const dir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-alerting-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const amtool = (args: string[]) => runCommand(chain.bin('amtool'), args, { cwd: dir, timeoutMs: 60_000 });
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:hono-api-dev-alerts';

function configFile(name: string, config: unknown): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

/** The receivers an alert with these labels reaches, as amtool resolves the routing tree. */
async function receiversOf(file: string, labels: Record<string, string>): Promise<string> {
  const r = await amtool(['config', 'routes', 'test', `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('Alertmanager configuration (amtool)', () => {
  const file = configFile('ours', alertmanagerConfig(TOPIC, 'eu-west-1'));

  it('passes amtool check-config: three receivers, the inhibit rules, SNS with its region', async () => {
    const r = await amtool(['check-config', file]);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS/);
    expect(r.stdout).toMatch(/3 receivers/);
    expect(r.stdout).toMatch(/3 inhibit rules/);
  });

  it.each([
    [{ alertname: 'HonoApiDown', severity: 'critical', namespace: 'hono-api' }, 'sns'],
    [{ alertname: 'HonoApiHighLatency', severity: 'warning', namespace: 'hono-api' }, 'sns'],
    [{ alertname: 'KubePodCrashLooping', severity: 'warning', namespace: 'kube-system' }, 'sns'],
    [{ alertname: 'Watchdog', severity: 'none' }, 'heartbeat'],
    [{ alertname: 'InfoInhibitor', severity: 'none' }, 'null'],
  ])('%o reaches %s', async (labels, receiver) => {
    expect(await receiversOf(file, labels)).toBe(receiver);
  });

  it('the broken twin: kube-prometheus-stack\'s default routes the service\'s alerts to "null", which reaches nobody', async () => {
    const chartDefault = configFile('chart-default', {
      route: { receiver: 'null', group_by: ['namespace'], routes: [{ receiver: 'null', matchers: ['alertname = "Watchdog"'] }] },
      receivers: [{ name: 'null' }],
    });
    expect(await receiversOf(chartDefault, { alertname: 'HonoApiDown', severity: 'critical' })).toBe('null');
  });

  it('a config without the SNS region fails amtool check-config (the check is not vacuous)', async () => {
    const broken = alertmanagerConfig(TOPIC, 'eu-west-1') as { receivers: { sns_configs?: { topic_arn?: string }[] }[] };
    for (const r of broken.receivers) for (const c of r.sns_configs ?? []) delete c.topic_arn;
    const r = await amtool(['check-config', configFile('broken', broken)]);
    expect(r.exitCode).not.toBe(0);
  });
});

describe.each(ENVIRONMENTS)('platform-%s gives kube-prometheus-stack that configuration', (env) => {
  const json = synthPlatform().json(`platform-${env}`);
  const release = resources(json, 'helm_release').find((r) => r.attrs.name === 'kube-prometheus-stack')!;
  const values = helmReleaseValues(list(release.attrs.values));

  it('Alertmanager sends to the environment\'s topic with its own Pod Identity role, allowed to publish there only', () => {
    const topic = resources(json, 'aws_sns_topic')[0]!;
    expect(topic.attrs.name).toBe(`hono-api-${env}-alerts`);
    expect(topic.attrs.kms_master_key_id).toBeTruthy();
    const config = at(values, 'alertmanager', 'config');
    expect(config).toEqual(alertmanagerConfig(`\${aws_sns_topic.${topic.id}.arn}`, envConfig(env).region));
    const association = resources(json, 'aws_eks_pod_identity_association').find((a) => a.attrs.service_account === at(values, 'alertmanager', 'serviceAccount', 'name'))!;
    expect(association.attrs.namespace).toBe('monitoring');
  });

  it('scrapes nothing EKS keeps out of reach, so no alert fires forever (kube-proxy, scheduler, controller manager, etcd)', () => {
    for (const component of ['kubeProxy', 'kubeScheduler', 'kubeControllerManager', 'kubeEtcd']) expect(at(values, component, 'enabled'), component).toBe(false);
  });
});
