import { describe, expect, it, vi } from 'vitest';
import { createProgress, formatElapsed } from '../../../scripts/ops/progress.js';
import { actionSymbol, changesOf, deployCommands, hintFor, renderPlanSummary, terraformError } from '../../../scripts/ops/terraform-steps.js';
import { changes } from './fakes.js';

describe('terraformError', () => {
  it("keeps Terraform's error blocks without the box gutter", () => {
    const stderr = [
      '╷',
      '│ Error: creating EKS Cluster (hono-api-dev): operation error EKS: CreateCluster, AccessDeniedException',
      '│ ',
      '│   with aws_eks_cluster.eks_cluster_55B0C966,',
      '│   on cdk.tf.json line 180, in resource "aws_eks_cluster" "eks_cluster_55B0C966":',
      '│  180:       },',
      '╵',
    ].join('\n');
    expect(terraformError({ stdout: 'aws_kms_key.x: Creating...\n', stderr })).toBe(
      [
        'Error: creating EKS Cluster (hono-api-dev): operation error EKS: CreateCluster, AccessDeniedException',
        '',
        '  with aws_eks_cluster.eks_cluster_55B0C966,',
        '  on cdk.tf.json line 180, in resource "aws_eks_cluster" "eks_cluster_55B0C966":',
        ' 180:       },',
      ].join('\n'),
    );
  });

  it('falls back to the last lines of the output, and cuts long errors', () => {
    expect(terraformError({ stdout: 'a\nb\n', stderr: 'boom\n' })).toBe('a\nb\nboom');
    const long = `Error: x\n${Array.from({ length: 60 }, (_, i) => `line ${i}`).join('\n')}`;
    const cut = terraformError({ stdout: '', stderr: long }, 10).split('\n');
    expect(cut).toHaveLength(11);
    expect(cut.at(-1)).toBe('… (51 more lines)');
  });
});

describe('hintFor', () => {
  it.each([
    ['Error: Failed to get existing workspaces: S3 bucket "b" does not exist.', /run `npm run ops -- bootstrap` first/],
    ['Error: No valid credential sources found', /credentials are missing or expired/],
    ['Error: Error acquiring the state lock', /holds the state lock/],
    ['Error: Saved plan is stale', /plan afresh/],
    ['Error: something else', undefined],
  ])('%s', (text, hint) => {
    if (hint) expect(hintFor(text)).toMatch(hint);
    else expect(hintFor(text)).toBeUndefined();
  });
});

describe('plan summaries', () => {
  it('shows replacements, creations, updates and deletions, skipping reads and no-ops', () => {
    const plan = changes(['a.create', ['create']], ['b.update', ['update']], ['c.delete', ['delete']], ['d.replace', ['delete', 'create']], ['e.cbd', ['create', 'delete']], ['f.read', ['read']], ['g.noop', ['no-op']]);
    expect(changesOf(plan).map((c) => `${actionSymbol(c.actions)} ${c.address}`)).toEqual(['+ a.create', '~ b.update', '- c.delete', '-/+ d.replace', '+/- e.cbd']);
  });

  it('renders the counts per stack and in total, and the changed resources', () => {
    const text = renderPlanSummary([
      { stack: 'network-dev', status: 'changes', counts: { add: 2, change: 0, destroy: 0 }, text: '', changes: [{ address: 'aws_vpc.v', actions: ['create'] }, { address: 'aws_subnet.s', actions: ['create'] }] },
      { stack: 'cluster-dev', status: 'no-changes', counts: { add: 0, change: 0, destroy: 0 }, text: '', changes: [] },
      { stack: 'app-dev', status: 'failed', text: '', changes: [], deferredBy: ['cluster-dev'] },
    ]);
    expect(text.split('\n').slice(0, 6)).toEqual([
      'stack        result                     add  change  destroy',
      '-----------  -------------------------  ---  ------  -------',
      'network-dev  changes                      2       0        0',
      'cluster-dev  no changes                   0       0        0',
      'app-dev      planned after cluster-dev    –       –        –',
      'total                                     2       0        0',
    ]);
    expect(text).toMatch(/network-dev:\n {2}\+ {3}aws_vpc\.v\n {2}\+ {3}aws_subnet\.s/);
  });

  it('cuts a long list of changed resources', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ address: `r.${i}`, actions: ['create'] }));
    expect(renderPlanSummary([{ stack: 's', status: 'changes', counts: { add: 30, change: 0, destroy: 0 }, text: '', changes: many }], 5)).toMatch(/… 25 more \(see s\/plan\.txt\)/);
  });

  it('lists the commands of a deploy for a stack', () => {
    expect(deployCommands({ name: 'app-dev', dir: 'cdktf.out/stacks/app-dev', absDir: '/r/cdktf.out/stacks/app-dev', dependencies: [] })).toEqual({
      plan: ['terraform -chdir=cdktf.out/stacks/app-dev init -input=false -no-color', 'terraform -chdir=cdktf.out/stacks/app-dev plan -input=false -no-color -detailed-exitcode -lock-timeout=10m -out=tfplan'],
      apply: ['terraform -chdir=cdktf.out/stacks/app-dev apply -input=false -no-color -lock-timeout=10m tfplan'],
    });
  });
});

describe('progress', () => {
  it('prints a start and an end line without a terminal', () => {
    let now = 1000;
    const written: string[] = [];
    const p = createProgress({ tty: false, write: (t) => void written.push(t), now: () => now });
    const step = p.start('network-dev: terraform plan');
    now += 12_345;
    step.done(true, '+3 ~0 -0');
    p.start('cluster-dev: terraform apply').done(false);
    expect(written).toEqual(['… network-dev: terraform plan\n', '✔ network-dev: terraform plan (12.3s): +3 ~0 -0\n', '… cluster-dev: terraform apply\n', '✖ cluster-dev: terraform apply (0.0s)\n']);
  });

  it('redraws a spinner with the elapsed time on a terminal, and clears it at the end', () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const written: string[] = [];
      const step = createProgress({ tty: true, write: (t) => void written.push(t), now: () => now, intervalMs: 100 }).start('synthesising');
      now = 250;
      vi.advanceTimersByTime(250);
      expect(written).toHaveLength(3);
      expect(written[2]).toBe('\r\x1b[2K⠹ synthesising 0.3s');
      step.done(true);
      expect(written.at(-1)).toBe('\r\x1b[2K✔ synthesising (0.3s)\n');
      vi.advanceTimersByTime(1000);
      expect(written).toHaveLength(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    [0, '0.0s'],
    [59_949, '59.9s'],
    [61_000, '1m01s'],
    [725_000, '12m05s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});
