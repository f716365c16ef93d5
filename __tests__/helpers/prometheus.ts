/** A minimal parser for the Prometheus text exposition format, enough to assert on samples. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE_LINE.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** Samples of `name` whose labels include every label in `match`. */
export const find = (samples: Sample[], name: string, match: Record<string, string> = {}): Sample[] =>
  samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));

/** The value of the single sample matching, or undefined if there is none. Throws if several match. */
export function valueOf(samples: Sample[], name: string, match: Record<string, string> = {}): number | undefined {
  const found = find(samples, name, match);
  if (found.length > 1) throw new Error(`${found.length} samples match ${name} ${JSON.stringify(match)}`);
  return found[0]?.value;
}
