/**
 * The support calendar: dated facts about what the platform pins, so the repository notices when
 * the world moves instead of a person remembering. Validation refuses a cluster version past EKS
 * standard support or outside a platform chart's supported range (validate.ts), `ops doctor` warns
 * 90 days before a date here, and the nightly drift workflow compares the Kubernetes rows with
 * `aws eks describe-cluster-versions` and opens an issue when they disagree (`ops calendar`).
 * Renovate (renovate.json5) proposes the new versions; this table is updated in the same PR.
 *
 * Every row says where it was read and when. Dates are ISO days (UTC); a support window ends at the
 * start of its end date.
 */

/** The day the rows below were last read against their sources. */
export const CALENDAR_CHECKED_ON = '2026-12-07';

/** How long before an end date `ops doctor` starts to warn. */
export const WARN_DAYS_BEFORE_END = 90;

export interface KubernetesOnEks {
  /** The day EKS offered the minor. */
  readonly released: string;
  /** From this day on a cluster on the minor is billed extended support (or upgraded, with upgradePolicy STANDARD). */
  readonly endOfStandardSupport: string;
  /** From this day on EKS upgrades the cluster itself. */
  readonly endOfExtendedSupport: string;
}

const EKS_CALENDAR_SOURCE =
  'docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html ("Amazon EKS Kubernetes release calendar"); 1.32–1.34 from awsdocs/amazon-eks-user-guide latest/ug/versioning/kubernetes-versions.adoc, 1.35–1.36 from the AWS What\'s New posts of 2026-01 and 2026-06 and endoflife.date/amazon-eks, read 2026-12-07';

/**
 * Kubernetes minors on EKS. 1.37 reached EKS in October 2026, but its end dates were not yet
 * published where we could read them, and cert-manager 1.21 and External Secrets 2.x are tested up
 * to 1.36 only, so the platform stays on 1.36 until both move (Renovate's Kubernetes group).
 */
export const KUBERNETES_ON_EKS: Readonly<Record<string, KubernetesOnEks>> = {
  '1.32': { released: '2025-01-23', endOfStandardSupport: '2026-03-23', endOfExtendedSupport: '2027-03-23' },
  '1.33': { released: '2025-05-29', endOfStandardSupport: '2026-07-29', endOfExtendedSupport: '2027-07-29' },
  '1.34': { released: '2025-10-02', endOfStandardSupport: '2026-12-02', endOfExtendedSupport: '2027-12-02' },
  '1.35': { released: '2026-01-27', endOfStandardSupport: '2027-03-27', endOfExtendedSupport: '2028-03-27' },
  '1.36': { released: '2026-06-02', endOfStandardSupport: '2027-08-02', endOfExtendedSupport: '2028-08-02' },
};
export const KUBERNETES_ON_EKS_SOURCE = EKS_CALENDAR_SOURCE;

/** What upstream says a pinned component supports. */
export interface ComponentSupport {
  /** Kubernetes minors the pinned version supports, inclusive; no `newest` means upstream publishes no upper bound. */
  readonly kubernetes: { readonly oldest: string; readonly newest?: string };
  /** The day upstream stops supporting the pinned version, where it publishes one. */
  readonly endOfSupport?: string;
  /** Where this was read. */
  readonly source: string;
}

/** Kubernetes minors compared as numbers: "1.9" < "1.10". */
export function compareMinor(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

export const supportsMinor = (support: ComponentSupport, minor: string) =>
  compareMinor(minor, support.kubernetes.oldest) >= 0 && (support.kubernetes.newest === undefined || compareMinor(minor, support.kubernetes.newest) <= 0);

/** A readable range: "1.33 to 1.36", "1.22 and newer". */
export const describeRange = (support: ComponentSupport) =>
  support.kubernetes.newest ? `${support.kubernetes.oldest} to ${support.kubernetes.newest}` : `${support.kubernetes.oldest} and newer`;

/** Days from `from` to `to` (both ISO days or dates), negative when `to` is past. */
export function daysUntil(to: string, from: Date): number {
  const day = (d: Date) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return Math.round((day(new Date(`${to}T00:00:00Z`)) - day(from)) / 86_400_000);
}

/** True once `date` has begun (an end date is the first day without support). */
export const hasBegun = (date: string, today: Date) => daysUntil(date, today) <= 0;

/** The newest minor that is in standard support on `today`. */
export function newestStandardMinor(today: Date, calendar: Readonly<Record<string, KubernetesOnEks>> = KUBERNETES_ON_EKS): string | undefined {
  return Object.entries(calendar)
    .filter(([, row]) => hasBegun(row.released, today) && !hasBegun(row.endOfStandardSupport, today))
    .map(([minor]) => minor)
    .sort(compareMinor)
    .at(-1);
}

/** What the calendar says of a configuration: anything whose support ends within `withinDays` of `today`. */
export interface EndingSupport {
  /** The configuration field that pins it. */
  readonly field: string;
  readonly what: string;
  readonly endsOn: string;
  readonly daysLeft: number;
  readonly fix: string;
}

/** Minimal view of the configuration the calendar reads (avoids a cycle with types.ts). */
interface PinnedVersions {
  readonly charts: Readonly<Record<string, { readonly chart: string; readonly version: string; readonly support: ComponentSupport }>>;
  readonly environments: Readonly<Record<string, { readonly cluster: { readonly version: string } }>>;
}

/**
 * Every pinned version whose support ends within `withinDays` days of `today` (validation refuses
 * those already past): `ops doctor` prints them as warnings.
 */
export function endingSupport(config: PinnedVersions, today: Date, withinDays = WARN_DAYS_BEFORE_END): EndingSupport[] {
  const soon = (date: string) => {
    const days = daysUntil(date, today);
    return days > 0 && days <= withinDays ? days : undefined;
  };
  const found: EndingSupport[] = [];
  for (const [name, env] of Object.entries(config.environments)) {
    const row = KUBERNETES_ON_EKS[env.cluster.version];
    const days = row && soon(row.endOfStandardSupport);
    if (row && days !== undefined)
      found.push({
        field: `environments.${name}.cluster.version`,
        what: `Kubernetes ${env.cluster.version} on EKS (standard support)`,
        endsOn: row.endOfStandardSupport,
        daysLeft: days,
        fix: 'upgrade one minor at a time: the minor, its EKS add-on versions and the charts it needs move together (Renovate\'s "kubernetes minor" group)',
      });
  }
  for (const [name, pin] of Object.entries(config.charts)) {
    const days = pin.support.endOfSupport && soon(pin.support.endOfSupport);
    if (pin.support.endOfSupport && days)
      found.push({ field: `charts.${name}.version`, what: `${pin.chart} ${pin.version}`, endsOn: pin.support.endOfSupport, daysLeft: days, fix: 'move to the supported release in stacks/config/charts.ts' });
  }
  return found;
}
