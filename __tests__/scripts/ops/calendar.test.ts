/**
 * `ops calendar`, as the nightly drift workflow runs it: the calendar against a frozen clock and
 * against `aws eks describe-cluster-versions` output in both timestamp forms.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../../scripts/ops/cli.js';
import { isoDay } from '../../../scripts/ops/calendar.js';
import { KUBERNETES_ON_EKS } from '../../../stacks/config/support-calendar.js';
import { fake } from './fakes.js';

const PINNED = '1.36';
const ROW = KUBERNETES_ON_EKS[PINNED]!;
const AWS_FILE = '/tmp/eks-cluster-versions.json';
/** What AWS answers, in agreement with the calendar (AWS CLI v2 prints ISO timestamps). */
const agreeing = Object.entries(KUBERNETES_ON_EKS).map(([clusterVersion, row]) => ({
  clusterVersion,
  releaseDate: `${row.released}T00:00:00+00:00`,
  endOfStandardSupportDate: `${row.endOfStandardSupport}T00:00:00+00:00`,
  endOfExtendedSupportDate: `${row.endOfExtendedSupport}T00:00:00+00:00`,
  versionStatus: 'STANDARD_SUPPORT',
}));

async function run(args: string[], options: { today: string; aws?: unknown }) {
  const f = fake({ now: Date.parse(`${options.today}T12:00:00Z`), files: options.aws === undefined ? {} : { [AWS_FILE]: typeof options.aws === 'string' ? options.aws : JSON.stringify(options.aws) } });
  const code = await main(['calendar', ...args], f.deps);
  return { code, f, text: f.out.join('\n'), err: f.err.join('\n') };
}

describe('ops calendar', () => {
  it('exit 0 on a quiet day: the calendar agrees with AWS and nothing ends within 90 days', async () => {
    const r = await run(['--aws-versions', AWS_FILE], { today: '2026-12-07', aws: { clusterVersions: agreeing } });
    expect(r.code, r.err).toBe(0);
    expect(r.text).toMatch(/^Support calendar on 2026-12-07: nothing ends within 90 days; compared with `aws eks describe-cluster-versions`\.$/);
  });

  it('exit 2 with one line per finding: a date AWS moved, a minor it offers that the calendar lacks', async () => {
    const moved = agreeing.map((v) => (v.clusterVersion === PINNED ? { ...v, endOfStandardSupportDate: Date.parse('2027-09-01T00:00:00Z') / 1000 } : v));
    const aws = { clusterVersions: [...moved, { clusterVersion: '1.37', releaseDate: '2026-10-01T00:00:00+00:00', versionStatus: 'STANDARD_SUPPORT' }] };
    const r = await run(['--aws-versions', AWS_FILE, '--report', '/tmp/report.md'], { today: '2026-12-07', aws });
    expect(r.code).toBe(2);
    expect(r.text).toContain(`- **date-moved**: Kubernetes ${PINNED}: AWS says endOfStandardSupportDate 2027-09-01, the calendar says ${ROW.endOfStandardSupport}`);
    expect(r.text).toContain('- **new-minor**: EKS offers Kubernetes 1.37 (released 2026-10-01), which the calendar does not hold');
    expect(r.f.files.get('/tmp/report.md')).toBe(`${r.text}\n`);
  });

  it('exit 2 from 90 days before the pinned minor leaves standard support, without AWS output too', async () => {
    const day = (offset: number) => new Date(Date.parse(`${ROW.endOfStandardSupport}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
    expect((await run([], { today: day(-91) })).code).toBe(0);
    const r = await run(['--json'], { today: day(-90) });
    expect(r.code).toBe(2);
    const report = JSON.parse(r.text) as { findings: { kind: string; message: string }[]; comparedWithAws: boolean };
    expect(report.comparedWithAws).toBe(false);
    expect(report.findings.map((f) => f.kind)).toEqual(['ending-soon', 'ending-soon', 'ending-soon']);
    const past = await run([], { today: ROW.endOfStandardSupport });
    expect(past.text).toContain(`- **past-end**: environments.prod.cluster.version ${PINNED} left EKS standard support on ${ROW.endOfStandardSupport}`);
  });

  it('exit 1 naming the file and the command that writes it, for output it cannot read', async () => {
    expect((await run(['--aws-versions', AWS_FILE], { today: '2026-12-07' })).err).toMatch(/does not exist \(write it with `aws eks describe-cluster-versions --output json > /);
    const bad = await run(['--aws-versions', AWS_FILE], { today: '2026-12-07', aws: { versions: [] } });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/expected \{"clusterVersions": \[/);
    expect((await run(['--aws-versions', AWS_FILE], { today: '2026-12-07', aws: 'not json' })).code).toBe(1);
    const badDate = await run(['--aws-versions', AWS_FILE], { today: '2026-12-07', aws: { clusterVersions: [{ clusterVersion: '1.36', releaseDate: 'soon' }] } });
    expect([badDate.code, badDate.err]).toEqual([1, expect.stringMatching(/not a timestamp: "soon"/)]);
  });

  it('reads both timestamp forms as the same UTC day', () => {
    expect(isoDay('2027-08-02T00:00:00+00:00')).toBe('2027-08-02');
    expect(isoDay(Date.parse('2027-08-02T00:00:00Z') / 1000)).toBe('2027-08-02');
    expect(() => isoDay('soon')).toThrow(/not a timestamp/);
  });
});
