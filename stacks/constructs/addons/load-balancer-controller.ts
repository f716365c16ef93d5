/**
 * The AWS Load Balancer Controller: Ingresses of class `alb` become ALBs, Services that ask for it
 * become NLBs. Its AWS access is the upstream IAM policy (policies/aws-load-balancer-controller.json)
 * through EKS Pod Identity.
 *
 * Nodes require IMDSv2 with a hop limit of 1, so pods cannot read the instance metadata: the
 * controller gets its region and VPC from the values instead of discovering them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Construct } from 'constructs';
import type { ChartPin } from '../../config/types.js';
import type { PolicyStatement } from '../pod-identity-role.js';
import type { AddonScope } from './addon-release.js';
import { PodIdentityAddon } from './pod-identity-addon.js';

export const LOAD_BALANCER_CONTROLLER = {
  release: 'aws-load-balancer-controller',
  namespace: 'kube-system',
  serviceAccount: 'aws-load-balancer-controller',
} as const;

export const LOAD_BALANCER_CONTROLLER_POLICY_FILE = fileURLToPath(new URL('../policies/aws-load-balancer-controller.json', import.meta.url));

export interface UpstreamPolicyFile {
  readonly _source: { readonly repository: string; readonly path: string; readonly module: string; readonly controllerVersion: string; readonly chartVersion: string };
  readonly policy: { readonly Version: string; readonly Statement: readonly PolicyStatement[] };
}

/** The upstream controller policy kept in the repository, with where it came from. */
export function loadBalancerControllerPolicy(): UpstreamPolicyFile {
  const file = JSON.parse(readFileSync(LOAD_BALANCER_CONTROLLER_POLICY_FILE, 'utf8')) as UpstreamPolicyFile;
  if (file.policy?.Version !== '2012-10-17' || !Array.isArray(file.policy.Statement) || file.policy.Statement.length === 0)
    throw new Error(`${LOAD_BALANCER_CONTROLLER_POLICY_FILE}: expected { _source, policy: { Version: "2012-10-17", Statement: [...] } }`);
  return file;
}

export interface LoadBalancerControllerProps extends AddonScope {
  readonly source: ChartPin;
  /** The cluster's VPC. */
  readonly vpcId: string;
  /**
   * Tags on every AWS resource the controller creates (load balancers, target groups, listeners,
   * security groups): the environment's, so other environments' deploy roles are denied them by tag.
   */
  readonly defaultTags: Readonly<Record<string, string>>;
}

/** The upstream policy, refusing one recorded for another chart version than the pinned one. */
function loadBalancerControllerStatements(pinned: ChartPin): readonly PolicyStatement[] {
  const { policy, _source: source } = loadBalancerControllerPolicy();
  if (source.chartVersion !== pinned.version)
    throw new Error(
      `the AWS Load Balancer Controller IAM policy is from chart ${source.chartVersion} (${source.controllerVersion}) but chart ${pinned.version} is pinned: ` +
        `replace ${LOAD_BALANCER_CONTROLLER_POLICY_FILE} with docs/install/iam_policy.json of the new controller version`,
    );
  return policy.Statement;
}

export class LoadBalancerController extends PodIdentityAddon {
  constructor(scope: Construct, id: string, props: LoadBalancerControllerProps) {
    super(scope, id, {
      scope: props,
      spec: LOAD_BALANCER_CONTROLLER,
      source: props.source,
      roleName: 'aws-load-balancer-controller',
      title: 'AWS Load Balancer Controller',
      statements: loadBalancerControllerStatements(props.source),
      values: {
        clusterName: props.clusterName,
        region: props.region,
        vpcId: props.vpcId,
        defaultTags: { ...props.defaultTags },
        replicaCount: 2,
        // Services become NLBs only when they ask (annotation or loadBalancerClass); otherwise the
        // mutating webhook sits in front of every Service the cluster creates.
        enableServiceMutatorWebhook: false,
        podDisruptionBudget: { maxUnavailable: 1 },
        resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
      },
      createNamespace: false,
    });
  }
}
