/**
 * A Helm release of a pinned upstream chart (repository, chart and exact version from the
 * validated configuration, stacks/config/charts.ts) or of a chart shipped with the stack. Values
 * are YAML, and the release is atomic: a failed install or upgrade rolls back and the apply fails.
 */
import { Release } from '@cdktf/provider-helm/lib/release';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { ChartPin } from '../../config/types.js';
import { helmValues } from '../helm-values.js';

/** A pinned upstream chart, or a chart shipped with the stack (a TerraformAsset path). */
export type ChartSource = ChartPin | { readonly localChart: string };

export interface AddonReleaseProps {
  readonly source: ChartSource;
  /** Release name (also the prefix of most object names the chart creates). */
  readonly name: string;
  readonly namespace: string;
  readonly values: Record<string, unknown>;
  readonly dependsOn?: ITerraformDependable[];
  /** Seconds Helm waits for the rollout. Default 600. */
  readonly timeoutSeconds?: number;
}

export class AddonRelease extends Construct {
  readonly release: Release;

  constructor(scope: Construct, id: string, props: AddonReleaseProps) {
    super(scope, id);
    this.release = new Release(this, 'release', {
      name: props.name,
      namespace: props.namespace,
      ...('localChart' in props.source
        ? { chart: props.source.localChart }
        : { repository: props.source.repository, chart: props.source.chart, version: props.source.version }),
      values: [helmValues(props.values)],
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      waitForJobs: true,
      timeout: props.timeoutSeconds ?? 600,
      maxHistory: 10,
      ...(props.dependsOn?.length ? { dependsOn: props.dependsOn } : {}),
    });
  }
}

/** What every add-on construct needs to know about where it runs. */
export interface AddonScope {
  readonly clusterName: string;
  readonly region: string;
  /** The environment's IAM prefix (naming.ts): the deploy role may only create roles under it. */
  readonly iamPrefix: string;
  /** ARN partition and account of the stack, for the add-on's IAM policy. */
  readonly partition: string;
  readonly accountId: string;
  /** Releases the add-on must wait for (the load balancer controller's webhooks, for one). */
  readonly after?: ITerraformDependable[];
}
