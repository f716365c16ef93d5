/**
 * Hostile values, each of which would loosen the pod's isolation or the NetworkPolicy if the chart
 * rendered it: every one must be refused by values.schema.json with a message naming the field.
 * A table, one row per loosening field of the Kubernetes PodSecurityContext and SecurityContext,
 * host namespaces and ports, volumes, empty or all-allowing policy rules and the settings the
 * chart owns. `null` matters: Helm deletes a key set to null before the schema sees the values,
 * so a hardened field must be required, not only constrained.
 */
import { describe, expect, it } from 'vitest';
import { tryRender } from './chart.js';

type Row = [label: string, values: Record<string, unknown>, field: RegExp];

const pod = (v: Record<string, unknown>) => ({ podSecurityContext: v });
const ctr = (v: Record<string, unknown>) => ({ securityContext: v });
const egress = (extra: unknown[]) => ({ networkPolicy: { egress: { extra } } });
const HTTPS = [{ port: 443, protocol: 'TCP' }];

const ROWS: Row[] = [
  // PodSecurityContext
  ['pod runAsNonRoot false', pod({ runAsNonRoot: false }), /podSecurityContext\/runAsNonRoot/],
  ['pod runAsNonRoot null', pod({ runAsNonRoot: null }), /podSecurityContext.*runAsNonRoot/],
  ['pod runAsUser 0 (root)', pod({ runAsUser: 0 }), /podSecurityContext\/runAsUser/],
  ['pod runAsUser null', pod({ runAsUser: null }), /podSecurityContext.*runAsUser/],
  ['pod runAsGroup 0', pod({ runAsGroup: 0 }), /podSecurityContext\/runAsGroup/],
  ['pod fsGroup 0', pod({ fsGroup: 0 }), /podSecurityContext\/fsGroup/],
  ['pod supplementalGroups [0]', pod({ supplementalGroups: [0] }), /podSecurityContext\/supplementalGroups/],
  ['pod seccompProfile Unconfined', pod({ seccompProfile: { type: 'Unconfined' } }), /podSecurityContext\/seccompProfile\/type/],
  ['pod seccompProfile null', pod({ seccompProfile: null }), /podSecurityContext.*seccompProfile/],
  ['pod seccompProfile type null', pod({ seccompProfile: { type: null } }), /podSecurityContext\/seccompProfile.*type/],
  ['pod and container seccompProfile both null', { ...pod({ seccompProfile: null }), ...ctr({ seccompProfile: null }) }, /podSecurityContext[\s\S]*seccompProfile|securityContext[\s\S]*seccompProfile/],
  ['pod seccompProfile with an extra key', pod({ seccompProfile: { type: 'RuntimeDefault', unconfined: true } }), /podSecurityContext\/seccompProfile.*unconfined/],
  ['pod appArmorProfile Unconfined', pod({ appArmorProfile: { type: 'Unconfined' } }), /podSecurityContext\/appArmorProfile\/type/],
  ['pod sysctls', pod({ sysctls: [{ name: 'kernel.shm_rmid_forced', value: '0' }] }), /podSecurityContext.*sysctls/],
  ['pod seLinuxOptions (spc_t runs unconfined)', pod({ seLinuxOptions: { type: 'spc_t' } }), /podSecurityContext.*seLinuxOptions/],
  ['pod windowsOptions hostProcess', pod({ windowsOptions: { hostProcess: true } }), /podSecurityContext.*windowsOptions/],
  ['pod seLinuxChangePolicy', pod({ seLinuxChangePolicy: 'Recursive' }), /podSecurityContext.*seLinuxChangePolicy/],
  // Container SecurityContext
  ['allowPrivilegeEscalation true', ctr({ allowPrivilegeEscalation: true }), /securityContext\/allowPrivilegeEscalation/],
  ['allowPrivilegeEscalation null', ctr({ allowPrivilegeEscalation: null }), /securityContext.*allowPrivilegeEscalation/],
  ['privileged true', ctr({ privileged: true }), /securityContext\/privileged/],
  ['privileged null', ctr({ privileged: null }), /securityContext.*privileged/],
  ['readOnlyRootFilesystem false', ctr({ readOnlyRootFilesystem: false }), /securityContext\/readOnlyRootFilesystem/],
  ['readOnlyRootFilesystem null', ctr({ readOnlyRootFilesystem: null }), /securityContext.*readOnlyRootFilesystem/],
  ['container runAsNonRoot false', ctr({ runAsNonRoot: false }), /(?<!pod)securityContext\/runAsNonRoot/],
  ['container runAsUser 0', ctr({ runAsUser: 0 }), /(?<!pod)securityContext\/runAsUser/],
  ['container runAsUser null', ctr({ runAsUser: null }), /(?<!pod)securityContext.*runAsUser/m],
  ['container runAsGroup 0', ctr({ runAsGroup: 0 }), /(?<!pod)securityContext\/runAsGroup/],
  ['capabilities.add NET_ADMIN', ctr({ capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } }), /securityContext\/capabilities\/add/],
  ['capabilities.add SYS_ADMIN with drop ALL kept', ctr({ capabilities: { add: ['SYS_ADMIN'] } }), /securityContext\/capabilities\/add/],
  ['capabilities.drop emptied', ctr({ capabilities: { drop: [] } }), /securityContext\/capabilities\/drop/],
  ['capabilities.drop null', ctr({ capabilities: { drop: null } }), /securityContext\/capabilities.*drop/],
  ['capabilities null', ctr({ capabilities: null }), /securityContext.*capabilities/],
  ['capabilities with an unknown key', ctr({ capabilities: { drop: ['ALL'], ambient: ['NET_RAW'] } }), /securityContext\/capabilities.*ambient/],
  ['container seccompProfile Unconfined', ctr({ seccompProfile: { type: 'Unconfined' } }), /(?<!pod)securityContext\/seccompProfile\/type/],
  ['container seccompProfile null', ctr({ seccompProfile: null }), /(?<!pod)securityContext.*seccompProfile/m],
  ['container appArmorProfile Unconfined', ctr({ appArmorProfile: { type: 'Unconfined' } }), /(?<!pod)securityContext\/appArmorProfile\/type/],
  ['procMount Unmasked', ctr({ procMount: 'Unmasked' }), /securityContext\/procMount/],
  ['container seLinuxOptions', ctr({ seLinuxOptions: { type: 'spc_t' } }), /(?<!pod)securityContext.*seLinuxOptions/m],
  ['container windowsOptions hostProcess', ctr({ windowsOptions: { hostProcess: true } }), /(?<!pod)securityContext.*windowsOptions/m],
  // Host namespaces, ports and volumes: not values of this chart, so refused as unknown keys.
  ['hostNetwork', { hostNetwork: true }, /hostNetwork/],
  ['hostPID', { hostPID: true }, /hostPID/],
  ['hostIPC', { hostIPC: true }, /hostIPC/],
  ['hostPort', { hostPort: 80 }, /hostPort/],
  ['a privileged containerPort (below 1024)', { containerPort: 80 }, /containerPort/],
  ['a hostPath volume', { extraVolumes: [{ name: 'root', hostPath: { path: '/' } }] }, /extraVolumes/],
  ['extra volume mounts', { extraVolumeMounts: [{ name: 'root', mountPath: '/host' }] }, /extraVolumeMounts/],
  ['a sidecar container', { extraContainers: [{ name: 'x', image: 'busybox', securityContext: { privileged: true } }] }, /extraContainers/],
  ['the service account token mounted in the pod', { automountServiceAccountToken: true }, /automountServiceAccountToken/],
  ['legacy seccomp annotation', { podAnnotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } }, /podAnnotations\/seccomp\.security\.alpha\.kubernetes\.io/],
  ['legacy AppArmor annotation', { podAnnotations: { 'container.apparmor.security.beta.kubernetes.io/hono-api': 'unconfined' } }, /podAnnotations\/container\.apparmor\.security\.beta\.kubernetes\.io/],
  // NetworkPolicy rules that would allow everything
  ['an empty egress rule', egress([{}]), /networkPolicy\/egress\/extra\/0/],
  ['an egress rule without destinations (all destinations)', egress([{ ports: HTTPS }]), /networkPolicy\/egress\/extra\/0.*to/],
  ['an egress rule without ports (all ports)', egress([{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }]), /networkPolicy\/egress\/extra\/0.*ports/],
  ['an egress rule with an empty destination list', egress([{ to: [], ports: HTTPS }]), /networkPolicy\/egress\/extra\/0\/to/],
  ['an empty peer (every pod in every namespace)', egress([{ to: [{}], ports: HTTPS }]), /networkPolicy\/egress\/extra\/0\/to\/0/],
  ['an empty namespaceSelector (every namespace)', egress([{ to: [{ namespaceSelector: {} }], ports: HTTPS }]), /networkPolicy\/egress\/extra\/0\/to\/0\/namespaceSelector/],
  ['empty matchLabels (everything)', egress([{ to: [{ podSelector: { matchLabels: {} } }], ports: HTTPS }]), /networkPolicy\/egress\/extra\/0\/to\/0\/podSelector/],
  ['an egress port that is not a port', egress([{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ protocol: 'TCP' }] }]), /networkPolicy\/egress\/extra\/0\/ports\/0/],
  ['an ipBlock without a cidr', egress([{ to: [{ ipBlock: { except: ['10.0.0.0/8'] } }], ports: HTTPS }]), /networkPolicy\/egress\/extra\/0\/to\/0\/ipBlock/],
  ['ingress from the whole internet (IPv4)', { networkPolicy: { ingress: { cidrs: ['0.0.0.0/0'] } } }, /networkPolicy\/ingress\/cidrs\/0/],
  ['ingress from the whole internet (IPv6)', { networkPolicy: { ingress: { cidrs: ['::/0'] } } }, /networkPolicy\/ingress\/cidrs\/0/],
  ['ingress from a namespace that is not a name', { networkPolicy: { ingress: { namespaces: [''] } } }, /networkPolicy\/ingress\/namespaces\/0/],
  // Settings the chart owns: a duplicate env key would silently override them.
  ...['PORT', 'HOST', 'LOG_LEVEL', 'REQUEST_TIMEOUT_MS', 'DRAIN_DELAY_MS', 'DRAIN_QUIET_MS', 'DRAIN_MAX_MS', 'SHUTDOWN_TIMEOUT_MS', 'METRICS_ENABLED'].map((name): Row => [`config.extraEnv ${name}`, { config: { extraEnv: { [name]: '1' } } }, new RegExp(`config/extraEnv/${name}`)]),
  ['secrets.values overriding HOST', { secrets: { create: true, values: { HOST: '127.0.0.1' } } }, /secrets\/values\/HOST/],
  ['an unpinned test image', { tests: { image: 'curlimages/curl:latest' } }, /tests\/image/],
];

/** Helm's schema lines (one per problem, starting "- "), the part of the error a person reads. */
const schemaLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.trimStart().startsWith('- '))
    .join('\n');

describe('hostile values are refused, naming the field', () => {
  it.each(ROWS)('%s', async (_, values, field) => {
    const result = await tryRender({ values });
    expect(result.exitCode, `rendered:\n${result.stdout.slice(0, 400)}`).not.toBe(0);
    // The field's path, whichever way this Helm writes it (a/b or a.b).
    expect(schemaLines(result.stderr)).toMatch(new RegExp(field.source.replace(/\\\//g, '[./]'), field.flags));
  });

  it('the table covers every loosening field of the pod and container security contexts', () => {
    const fields = (prefix: RegExp) => new Set(ROWS.map(([label]) => label).filter((l) => prefix.test(l)).map((l) => l.replace(prefix, '').split(' ')[0]));
    for (const f of ['runAsNonRoot', 'runAsUser', 'runAsGroup', 'fsGroup', 'supplementalGroups', 'seccompProfile', 'appArmorProfile', 'sysctls', 'seLinuxOptions', 'windowsOptions', 'seLinuxChangePolicy'])
      expect(fields(/^pod /), f).toContain(f);
  });

  it('legitimate values next to them still render: a pinned egress rule, an extra variable, a Localhost seccomp profile', async () => {
    const ok = await tryRender({
      values: {
        ...egress([{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }], ports: HTTPS }]),
        config: { extraEnv: { FEATURE_X: 'on' } },
        ...pod({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/hono.json' } }),
      },
    });
    expect(ok.exitCode, ok.stderr).toBe(0);
  });
});
