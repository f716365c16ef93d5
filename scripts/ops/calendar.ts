/**
 * `calendar`: the support calendar (stacks/config/support-calendar.ts) against the configuration
 * and, given `aws eks describe-cluster-versions` output, against AWS. The nightly drift workflow
 * runs it and keeps one issue open while it finds something: a date AWS moved, a minor EKS offers
 * that the calendar does not hold, a pinned version whose support ends within 90 days.
 */
import { KUBERNETES_ON_EKS, WARN_DAYS_BEFORE_END, compareMinor, endingSupport, hasBegun } from '../../stacks/config/support-calendar.js';
import type { OpsDeps } from './deps.js';

/** One entry of `aws eks describe-cluster-versions` (AWS CLI v1 and v2 print timestamps as ISO strings; the API as epoch seconds). */
export interface AwsClusterVersion {
  readonly clusterVersion: string;
  readonly releaseDate?: string | number;
  readonly endOfStandardSupportDate?: string | number;
  readonly endOfExtendedSupportDate?: string | number;
  readonly versionStatus?: string;
}

export interface CalendarFinding {
  readonly kind: 'date-moved' | 'new-minor' | 'ending-soon' | 'past-end';
  readonly message: string;
}

/** The UTC day of an API timestamp. */
export function isoDay(value: string | number): string {
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`not a timestamp: ${JSON.stringify(value)}`);
  return date.toISOString().slice(0, 10);
}

/** Reads describe-cluster-versions output, naming what is wrong with it. */
export function parseClusterVersions(text: string, file: string): AwsClusterVersion[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message}); expected the output of \`aws eks describe-cluster-versions --output json\``, { cause: err });
  }
  const versions = (doc as { clusterVersions?: unknown }).clusterVersions;
  if (!Array.isArray(versions) || versions.some((v) => typeof (v as AwsClusterVersion)?.clusterVersion !== 'string'))
    throw new Error(`${file}: expected {"clusterVersions": [{"clusterVersion": "1.36", …}]} (the output of \`aws eks describe-cluster-versions --output json\`)`);
  return versions as AwsClusterVersion[];
}

/** What the calendar says today, and where AWS disagrees with it. */
export function calendarFindings(deps: Pick<OpsDeps, 'config'>, today: Date, aws?: readonly AwsClusterVersion[]): CalendarFinding[] {
  const findings: CalendarFinding[] = [];
  for (const [name, env] of Object.entries(deps.config.environments)) {
    const row = KUBERNETES_ON_EKS[env.cluster.version];
    if (row && hasBegun(row.endOfStandardSupport, today))
      findings.push({ kind: 'past-end', message: `environments.${name}.cluster.version ${env.cluster.version} left EKS standard support on ${row.endOfStandardSupport}: synth refuses it until it is upgraded` });
  }
  for (const e of endingSupport(deps.config, today))
    findings.push({ kind: 'ending-soon', message: `${e.field}: ${e.what} ends on ${e.endsOn}, in ${e.daysLeft} days (${e.fix})` });
  if (aws) {
    const fields = [
      ['released', 'releaseDate'],
      ['endOfStandardSupport', 'endOfStandardSupportDate'],
      ['endOfExtendedSupport', 'endOfExtendedSupportDate'],
    ] as const;
    for (const v of aws) {
      const row = KUBERNETES_ON_EKS[v.clusterVersion];
      if (!row) continue;
      for (const [ours, theirs] of fields) {
        const value = v[theirs];
        if (value !== undefined && isoDay(value) !== row[ours])
          findings.push({ kind: 'date-moved', message: `Kubernetes ${v.clusterVersion}: AWS says ${theirs} ${isoDay(value)}, the calendar says ${row[ours]}: correct stacks/config/support-calendar.ts` });
      }
    }
    const newest = Object.keys(KUBERNETES_ON_EKS).sort(compareMinor).at(-1)!;
    for (const v of aws.filter((x) => compareMinor(x.clusterVersion, newest) > 0).sort((a, b) => compareMinor(a.clusterVersion, b.clusterVersion)))
      findings.push({
        kind: 'new-minor',
        message: `EKS offers Kubernetes ${v.clusterVersion}${v.releaseDate !== undefined ? ` (released ${isoDay(v.releaseDate)})` : ''}, which the calendar does not hold: add its dates to stacks/config/support-calendar.ts, and move to it once every platform chart supports it`,
      });
  }
  return findings;
}

export function renderCalendarReport(findings: readonly CalendarFinding[], today: Date, comparedWithAws: boolean): string {
  const day = today.toISOString().slice(0, 10);
  const source = comparedWithAws ? 'compared with `aws eks describe-cluster-versions`' : 'not compared with AWS (no --aws-versions)';
  if (findings.length === 0) return `Support calendar on ${day}: nothing ends within ${WARN_DAYS_BEFORE_END} days; ${source}.`;
  return [
    `Support calendar on ${day} (${source}): ${findings.length} finding${findings.length === 1 ? '' : 's'}.`,
    '',
    ...findings.map((f) => `- **${f.kind}**: ${f.message}`),
    '',
    'The calendar is stacks/config/support-calendar.ts; Renovate\'s "kubernetes minor" group moves the minor with everything tied to it.',
  ].join('\n');
}

/** Exit 0: nothing found; 2: findings (like a plan with changes); 1: the AWS output could not be read. */
export function calendar(deps: OpsDeps, options: { awsVersions?: string; report?: string; json: boolean }): number {
  const today = new Date(deps.now());
  let aws: AwsClusterVersion[] | undefined;
  if (options.awsVersions) {
    const text = deps.readFile(options.awsVersions);
    if (text === undefined) {
      deps.err(`error: ${options.awsVersions} does not exist (write it with \`aws eks describe-cluster-versions --output json > ${options.awsVersions}\`)`);
      return 1;
    }
    try {
      aws = parseClusterVersions(text, options.awsVersions);
    } catch (err) {
      deps.err(`error: ${(err as Error).message}`);
      return 1;
    }
  }
  let findings: CalendarFinding[];
  try {
    findings = calendarFindings(deps, today, aws);
  } catch (err) {
    deps.err(`error: ${options.awsVersions}: ${(err as Error).message}`);
    return 1;
  }
  const report = renderCalendarReport(findings, today, aws !== undefined);
  if (options.report) deps.writeFile(options.report, `${report}\n`);
  deps.out(options.json ? JSON.stringify({ today: today.toISOString().slice(0, 10), comparedWithAws: aws !== undefined, findings }, null, 2) : report);
  return findings.length === 0 ? 0 : 2;
}
