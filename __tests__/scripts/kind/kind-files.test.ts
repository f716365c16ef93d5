/** The committed kind files agree with scripts/kind/config.ts. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../../scripts/lib/helm.js';
import { CLUSTER_CONFIG, CLUSTER_NAME, IMAGE, VALUES_FILE } from '../../../scripts/kind/config.js';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

describe('kind/cluster.yaml', () => {
  const text = read(CLUSTER_CONFIG);
  const config = parse(text) as { kind: string; apiVersion: string; name: string; nodes: { role: string; image?: string }[] };

  it('is a kind cluster config named like the workflow expects', () => {
    expect(config.kind).toBe('Cluster');
    expect(config.apiVersion).toBe('kind.x-k8s.io/v1alpha4');
    expect(config.name).toBe(CLUSTER_NAME);
  });

  it('has one control plane and two workers', () => {
    expect(config.nodes.map((n) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
  });

  it('pins every node to the same kindest/node v1.31 image by digest, noted in a comment', () => {
    const images = new Set(config.nodes.map((n) => n.image));
    expect(images.size).toBe(1);
    const [image] = [...images];
    expect(image).toMatch(/^kindest\/node:v1\.31\.[0-9]+@sha256:[a-f0-9]{64}$/);
    const version = /v1\.31\.[0-9]+/.exec(image!)![0];
    expect(text).toMatch(new RegExp(`^#.*Kubernetes ${version.replace(/\./g, '\\.')}`, 'm'));
  });
});

describe('kind/values.yaml', () => {
  it('deploys the image the image command builds, without pulling it', () => {
    const values = parse(read(VALUES_FILE)) as { image: { repository: string; tag: string; pullPolicy: string } };
    expect(`${values.image.repository}:${values.image.tag}`).toBe(IMAGE);
    expect(values.image.pullPolicy).toBe('Never');
  });
});
