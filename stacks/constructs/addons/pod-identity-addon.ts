/**
 * An add-on that calls AWS: its namespace (unless it lives in an existing one such as
 * kube-system), a Pod Identity role bound to exactly its namespace and service account, and the
 * pinned chart, released only once the role binding exists. The add-on constructs subclass it and
 * supply what differs: the IAM statements and the chart values.
 */
import type { Release } from '@cdktf/provider-helm/lib/release';
import { Construct } from 'constructs';
import type { ChartPin } from '../../config/types.js';
import { type PolicyStatement, PodIdentityRole } from '../pod-identity-role.js';
import { AddonRelease, type AddonScope } from './addon-release.js';
import { addonNamespace } from './namespace.js';

/** Where an add-on runs: its release name, namespace and service account. */
export interface AddonSpec {
  readonly release: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface PodIdentityAddonProps {
  readonly scope: AddonScope;
  readonly spec: AddonSpec;
  readonly source: ChartPin;
  /** The role's name after the environment's IAM prefix, e.g. `external-dns`. */
  readonly roleName: string;
  /** The add-on's title and, optionally, what its access covers: "<title> of <cluster> (<ns>/<sa>)<scope>". */
  readonly title: string;
  readonly accessScope?: string;
  readonly statements: readonly PolicyStatement[];
  /** Chart values; `serviceAccount` (created, with the name the role is bound to) is added. */
  readonly values: Record<string, unknown>;
  /** Create the namespace (default). False for namespaces that already exist, such as kube-system. */
  readonly createNamespace?: boolean;
}

export class PodIdentityAddon extends Construct {
  readonly identity: PodIdentityRole;
  readonly release: Release;

  constructor(scope: Construct, id: string, props: PodIdentityAddonProps) {
    super(scope, id);
    const { namespace, serviceAccount, release } = props.spec;
    const s = props.scope;
    const ns = props.createNamespace === false ? namespace : addonNamespace(this, 'namespace', namespace).metadata.name;
    this.identity = new PodIdentityRole(this, 'identity', {
      clusterName: s.clusterName,
      roleName: `${s.iamPrefix}${props.roleName}`,
      description: `${props.title} of ${s.clusterName} (${namespace}/${serviceAccount})${props.accessScope ?? ''}`,
      namespace,
      serviceAccount,
      statements: props.statements,
    });
    this.release = new AddonRelease(this, 'chart', {
      source: props.source,
      name: release,
      namespace: ns,
      values: { ...props.values, serviceAccount: { create: true, name: serviceAccount } },
      dependsOn: [...this.identity.readyBefore, ...(s.after ?? [])],
    }).release;
  }
}
