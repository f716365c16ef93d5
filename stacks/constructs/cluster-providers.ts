/**
 * The kubernetes and helm providers of a stack that deploys into an environment's cluster.
 *
 * The cluster is found by name through a data source and the providers authenticate with
 * `aws eks get-token`; they never take another stack's outputs, because a provider configured
 * from values unknown at plan time breaks planning (hashicorp/terraform-cdk#2662). Used by the
 * platform and app stacks.
 */
import { DataAwsEksCluster } from '@cdktf/provider-aws/lib/data-aws-eks-cluster';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';

export interface ClusterProvidersProps {
  readonly clusterName: string;
  /** Region of the cluster, passed to `aws eks get-token`. */
  readonly region: string;
}

export class ClusterProviders extends Construct {
  /** The cluster, looked up by name (endpoint, CA, VPC). */
  readonly cluster: DataAwsEksCluster;
  readonly kubernetes: KubernetesProvider;
  readonly helm: HelmProvider;

  constructor(scope: Construct, id: string, props: ClusterProvidersProps) {
    super(scope, id);
    this.cluster = new DataAwsEksCluster(this, 'cluster', { name: props.clusterName });
    const connection = {
      host: this.cluster.endpoint,
      clusterCaCertificate: Fn.base64decode(this.cluster.certificateAuthority.get(0).data),
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'aws',
        args: ['eks', 'get-token', '--cluster-name', props.clusterName, '--region', props.region],
      },
    };
    this.kubernetes = new KubernetesProvider(this, 'kubernetes', { ...connection, exec: [connection.exec] });
    this.helm = new HelmProvider(this, 'helm', { kubernetes: connection });
  }
}
