/**
 * A namespace for an add-on, owned by the platform stack (so destroying the stack removes it),
 * labelled with the Pod Security level it is audited and warned against. Enforcement is left to
 * the level the upstream chart is written for: the platform stack does not patch upstream pods.
 */
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import type { Construct } from 'constructs';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

export function addonNamespace(scope: Construct, id: string, name: string, level: PodSecurityLevel = 'restricted'): NamespaceV1 {
  return new NamespaceV1(scope, id, {
    metadata: {
      name,
      labels: {
        'pod-security.kubernetes.io/audit': level,
        'pod-security.kubernetes.io/warn': level,
        ...(level === 'privileged' ? { 'pod-security.kubernetes.io/enforce': 'privileged' } : {}),
      },
    },
  });
}
