/**
 * The support calendar as validation and doctor read it, with a frozen clock on both sides of every
 * date that matters, and the calendar itself: today's pins are inside it.
 */
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../../../stacks/config/charts.js';
import { EKS_ADDONS, platformConfig } from '../../../stacks/config/environments.js';
import { CALENDAR_CHECKED_ON, KUBERNETES_ON_EKS, compareMinor, daysUntil, endingSupport, newestStandardMinor, supportsMinor } from '../../../stacks/config/support-calendar.js';
import type { PlatformConfig } from '../../../stacks/config/types.js';
import { ConfigValidationError, validatePlatformConfig } from '../../../stacks/config/validate.js';
import { type DeepMutable, configWith } from '../support/platform.js';

const PINNED = platformConfig.environments.prod.cluster.version;
const ROW = KUBERNETES_ON_EKS[PINNED]!;
/** The ISO day `offset` days from `date`. */
const shift = (date: string, offset: number) => new Date(Date.parse(`${date}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
/** Noon UTC of that day: the clock a test freezes. */
const at = (date: string) => new Date(`${date}T12:00:00Z`);

function problemsOn(today: string, config: PlatformConfig = platformConfig): string[] {
  try {
    validatePlatformConfig(config, { today: at(today) });
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigValidationError);
    return [...(err as ConfigValidationError).problems];
  }
}

/** Every environment on `minor`, with add-on versions said to be published for it. */
const onMinor = (minor: string, mutate: (c: DeepMutable<PlatformConfig>) => void = () => {}) =>
  configWith((c) => {
    for (const env of Object.values(c.environments)) {
      env.cluster.version = minor;
      env.cluster.addons = { ...env.cluster.addons, kubernetesVersion: minor, kubeProxy: `v${minor}.0-eksbuild.1` };
    }
    mutate(c);
  });

describe('what is pinned today', () => {
  it('every environment runs a minor in EKS standard support today, and the newest one every enabled chart supports', () => {
    const today = new Date();
    expect(problemsOn(today.toISOString().slice(0, 10))).toEqual([]);
    for (const env of Object.values(platformConfig.environments)) {
      expect(env.cluster.version).toBe(PINNED);
      expect(daysUntil(KUBERNETES_ON_EKS[env.cluster.version]!.endOfStandardSupport, today), 'days of standard support left').toBeGreaterThan(0);
    }
    const newest = newestStandardMinor(today)!;
    const chartsSupporting = (minor: string) => Object.values(CHARTS).every((pin) => supportsMinor(pin.support, minor));
    // Either the newest minor in standard support, or the newest every chart supports (1.37 waits for cert-manager and External Secrets).
    expect(compareMinor(PINNED, newest) === 0 || !chartsSupporting(newest), `${newest} is in standard support and every chart supports it: move to it`).toBe(true);
    expect(chartsSupporting(PINNED)).toBe(true);
  });

  it('the add-on versions are the ones published for the pinned minor', () => {
    expect(EKS_ADDONS[PINNED]?.kubernetesVersion).toBe(PINNED);
    for (const env of Object.values(platformConfig.environments)) expect(env.cluster.addons).toEqual(EKS_ADDONS[PINNED]);
  });

  it('the calendar was read against its sources within the last 180 days (refresh it with the Renovate PR that moves a minor)', () => {
    expect(daysUntil(CALENDAR_CHECKED_ON, new Date())).toBeGreaterThan(-180);
  });

  it('rows are consistent: released < end of standard < end of extended, 14 months apart, minors one after another', () => {
    const minors = Object.keys(KUBERNETES_ON_EKS).sort(compareMinor);
    minors.forEach((minor, i) => {
      const row = KUBERNETES_ON_EKS[minor]!;
      expect(daysUntil(row.endOfStandardSupport, at(row.released)), minor).toBeGreaterThan(400);
      expect(daysUntil(row.endOfExtendedSupport, at(row.endOfStandardSupport)), minor).toBeGreaterThanOrEqual(365);
      if (i > 0) expect(compareMinor(minor, minors[i - 1]!), minor).toBe(1);
    });
  });
});

describe('validation against the calendar, clock frozen', () => {
  it(`refuses ${PINNED} from the day its standard support ends (${ROW.endOfStandardSupport}), accepts it the day before`, () => {
    expect(problemsOn(shift(ROW.endOfStandardSupport, -1))).toEqual([]);
    const problems = problemsOn(ROW.endOfStandardSupport);
    expect(problems).toHaveLength(3);
    for (const env of ['dev', 'staging', 'prod'])
      expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^environments\\.${env}\\.cluster\\.version = "${PINNED}": left EKS standard support on ${ROW.endOfStandardSupport} .*\\(fix: `)));
  });

  it('names the newest minor in standard support as the fix: 1.33 on 2026-12-07', () => {
    const problems = problemsOn('2026-12-07', onMinor('1.33'));
    expect(problems).toContainEqual(expect.stringMatching(/^environments\.prod\.cluster\.version = "1\.33": left EKS standard support on 2026-07-29 .*\(fix: set "1\.36", the newest minor in standard support, .*describe-addon-versions --kubernetes-version 1\.36/));
    // …and on 2026-07-28, its last day, 1.33 was fine as far as EKS goes (External Secrets 2.x wants 1.36).
    expect(problemsOn('2026-07-28', onMinor('1.33', (c) => Object.values(c.environments).forEach((e) => (e.platform.externalSecrets.enabled = false))))).toEqual([]);
  });

  it('refuses a minor EKS does not offer yet, and one the calendar does not hold', () => {
    expect(problemsOn(shift(ROW.released, -1))).toContainEqual(expect.stringMatching(new RegExp(`cluster\\.version = "${PINNED}": is not offered by EKS before ${ROW.released}`)));
    expect(problemsOn('2026-12-07', onMinor('1.40'))).toContainEqual(expect.stringMatching(/^environments\.dev\.cluster\.version = "1\.40": is not a Kubernetes minor in the support calendar \(1\.32, .*\) \(fix: set "1\.36"/));
  });

  it('refuses a minor outside an enabled chart\'s supported range, naming the chart; a disabled one does not count', () => {
    const problems = problemsOn('2026-12-07', onMinor('1.35'));
    expect(problems).toContainEqual(expect.stringMatching(/^environments\.dev\.cluster\.version = "1\.35": is outside what external-secrets 2\.12\.0 supports \(Kubernetes 1\.36 to 1\.36; .*\(fix: choose a minor in that range, or move charts\.externalSecrets/));
    expect(problemsOn('2026-12-07', onMinor('1.35', (c) => Object.values(c.environments).forEach((e) => (e.platform.externalSecrets.enabled = false))))).toEqual([]);
  });

  it('refuses EKS add-on versions published for another minor, and a kube-proxy of another minor', () => {
    const problems = problemsOn(
      '2026-12-07',
      configWith((c) => (c.environments.dev.cluster.addons = { ...c.environments.dev.cluster.addons, kubernetesVersion: '1.35', kubeProxy: 'v1.35.3-eksbuild.2' })),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^environments\.dev\.cluster\.addons\.kubernetesVersion = "1\.35": the EKS add-on versions were published for Kubernetes 1\.35, but the cluster runs 1\.36 \(fix: .*--kubernetes-version 1\.36/),
      expect.stringMatching(/^environments\.dev\.cluster\.addons\.kubeProxy = "v1\.35\.3-eksbuild\.2": is kube-proxy for Kubernetes 1\.35, but the cluster runs 1\.36/),
    ]);
  });

  it('refuses a chart past its published end of support from that day on', () => {
    const config = configWith((c) => (c.charts.certManager.support = { ...c.charts.certManager.support, endOfSupport: '2027-02-01' }));
    expect(problemsOn('2027-01-31', config)).toEqual([]);
    expect(problemsOn('2027-02-01', config)).toEqual([expect.stringMatching(/^charts\.certManager\.version = "v1\.21\.2": reached its upstream end of support on 2027-02-01 .*\(fix: move to a supported release/)]);
  });
});

describe('endingSupport (what ops doctor warns about)', () => {
  it('lists each environment on a minor whose standard support ends within the window, with the days left', () => {
    expect(endingSupport(platformConfig, at(shift(ROW.endOfStandardSupport, -91)))).toEqual([]);
    const found = endingSupport(platformConfig, at(shift(ROW.endOfStandardSupport, -90)));
    expect(found.map((e) => [e.field, e.daysLeft])).toEqual([
      ['environments.dev.cluster.version', 90],
      ['environments.staging.cluster.version', 90],
      ['environments.prod.cluster.version', 90],
    ]);
    // Past the end, validation refuses instead: no warning.
    expect(endingSupport(platformConfig, at(ROW.endOfStandardSupport))).toEqual([]);
  });
});
