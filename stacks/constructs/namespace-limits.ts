/**
 * Guard rails for the app's namespace (kube-score's namespace checks):
 * - a LimitRange, so a container added without requests or limits (a fork's sidecar, a debug pod)
 *   still gets them, ephemeral storage included;
 * - a ResourceQuota sized from the release: room for every replica twice over (a rolling update's
 *   surge, a rollback) plus the helm test pod, so a runaway (a scaled-up copy, a crash-looping
 *   job) cannot take the cluster's capacity from everything else.
 */
import { LimitRangeV1 } from '@cdktf/provider-kubernetes/lib/limit-range-v1';
import { ResourceQuotaV1 } from '@cdktf/provider-kubernetes/lib/resource-quota-v1';
import { Construct } from 'constructs';

export interface PodResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface NamespaceLimitsProps {
  readonly namespace: string;
  /** The most replicas the release runs. */
  readonly replicas: number;
  /** One replica's resources (the chart's `resources`). */
  readonly resources: PodResources;
}

/** A Kubernetes quantity (`100m`, `1`, `96Mi`, `1Gi`) in millicores or bytes. */
export function quantity(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!m) throw new Error(`"${value}" is not a quantity this construct reads (m, Ki, Mi, Gi, Ti or a plain number)`);
  const n = Number(m[1]);
  const unit = m[2];
  if (unit === 'm') return n;
  if (unit === undefined) return n * 1000;
  return n * 1024 ** (['Ki', 'Mi', 'Gi', 'Ti'].indexOf(unit) + 1);
}

const mebibytes = (bytes: number) => `${Math.ceil(bytes / 1024 ** 2)}Mi`;
const millicores = (m: number) => `${Math.ceil(m)}m`;

/** Pods the quota admits: every replica twice (surge, rollback) and the helm test pod. */
export const quotaPods = (replicas: number) => 2 * replicas + 1;

export class NamespaceLimits extends Construct {
  readonly limitRange: LimitRangeV1;
  readonly quota: ResourceQuotaV1;

  constructor(scope: Construct, id: string, p: NamespaceLimitsProps) {
    super(scope, id);
    this.limitRange = new LimitRangeV1(this, 'limit-range', {
      metadata: { name: 'defaults', namespace: p.namespace },
      spec: {
        limit: [
          {
            type: 'Container',
            defaultRequest: { cpu: '50m', memory: '64Mi', 'ephemeral-storage': '64Mi' },
            default: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '128Mi' },
          },
        ],
      },
    });
    const pods = quotaPods(p.replicas);
    this.quota = new ResourceQuotaV1(this, 'quota', {
      metadata: { name: 'release', namespace: p.namespace },
      spec: {
        hard: {
          pods: String(pods),
          'requests.cpu': millicores(pods * quantity(p.resources.requests.cpu)),
          'requests.memory': mebibytes(pods * quantity(p.resources.requests.memory)),
          'limits.memory': mebibytes(pods * quantity(p.resources.limits.memory)),
        },
      },
    });
  }
}
