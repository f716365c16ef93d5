/**
 * Where alerts go: an SNS topic of the environment (`<project>-<env>-alerts`, KMS-encrypted) that
 * Alertmanager publishes to with its own Pod Identity role, and the email subscriptions the
 * environment lists (`observability.alertEmails`; each address confirms once). Anything else that
 * should be paged (PagerDuty, Opsgenie, Chatbot for Slack) subscribes to the topic.
 *
 * The Alertmanager configuration (alertmanagerConfig) routes every alert to the topic, except:
 * - Watchdog, kube-prometheus-stack's always-firing alert, goes to the topic once a day as a
 *   heartbeat: the day it does not arrive, the path (Prometheus, Alertmanager, its role, SNS) is
 *   broken. A dead man's switch service subscribed to the topic turns that into a page.
 * - InfoInhibitor only silences info alerts; it goes nowhere.
 * kube-prometheus-stack's default routes everything to a receiver named "null", which reaches
 * nobody. amtool checks this configuration and each route (__tests__/stacks/alerting.test.ts).
 */
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { Construct } from 'constructs';
import { KmsKey } from '../kms-key.js';
import { PodIdentityRole } from '../pod-identity-role.js';
import type { AddonScope } from './addon-release.js';

/** Alertmanager's service account, named in the chart values so the Pod Identity association can bind it. */
export const ALERTMANAGER_SERVICE_ACCOUNT = 'alertmanager';

/** The Alertmanager configuration for alerts to `topicArn` (see the file comment). Plain strings only: the ARN may be a Terraform reference. */
export function alertmanagerConfig(topicArn: string, region: string): Record<string, unknown> {
  const sns = (subject: string) => [{ topic_arn: topicArn, sigv4: { region }, subject, send_resolved: true }];
  return {
    route: {
      receiver: 'sns',
      group_by: ['alertname', 'namespace'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { receiver: 'heartbeat', matchers: ['alertname=Watchdog'], group_wait: '0s', repeat_interval: '24h' },
        { receiver: 'null', matchers: ['alertname=InfoInhibitor'] },
      ],
    },
    receivers: [
      { name: 'null' },
      { name: 'sns', sns_configs: sns('{{ .Status | toUpper }}: {{ .CommonLabels.alertname }} ({{ .CommonLabels.namespace }})') },
      { name: 'heartbeat', sns_configs: sns('Alertmanager heartbeat: the alert path works') },
    ],
    // The chart's defaults: a critical alert silences the warning and info ones of the same alert.
    inhibit_rules: [
      { source_matchers: ['severity=critical'], target_matchers: ['severity=~warning|info'], equal: ['namespace', 'alertname'] },
      { source_matchers: ['severity=warning'], target_matchers: ['severity=info'], equal: ['namespace', 'alertname'] },
      { source_matchers: ['alertname=InfoInhibitor'], target_matchers: ['severity=info'], equal: ['namespace'] },
    ],
  };
}

export interface AlertTopicProps {
  readonly scope: AddonScope;
  readonly name: string;
  readonly namespace: string;
  readonly emails: readonly string[];
}

export class AlertTopic extends Construct {
  readonly topic: SnsTopic;
  readonly publisher: PodIdentityRole;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    const key = new KmsKey(this, 'key', { alias: props.name, description: `Encrypts the alerts of SNS topic ${props.name}` });
    this.topic = new SnsTopic(this, 'topic', { name: props.name, kmsMasterKeyId: key.arn });
    props.emails.forEach((endpoint, i) => new SnsTopicSubscription(this, `email-${i}`, { topicArn: this.topic.arn, protocol: 'email', endpoint }));
    this.publisher = new PodIdentityRole(this, 'alertmanager', {
      clusterName: props.scope.clusterName,
      roleName: `${props.scope.iamPrefix}alertmanager`,
      description: `Alertmanager of ${props.scope.clusterName}: publishes alerts to ${props.name}`,
      namespace: props.namespace,
      serviceAccount: ALERTMANAGER_SERVICE_ACCOUNT,
      statements: [
        { Sid: 'PublishAlerts', Effect: 'Allow', Action: ['sns:Publish'], Resource: this.topic.arn },
        // An encrypted topic needs the publisher to use its key.
        { Sid: 'EncryptAlerts', Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: key.arn },
      ],
    });
  }
}
