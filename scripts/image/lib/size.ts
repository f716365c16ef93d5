/**
 * Image and layer sizes: parsing what docker and podman print, and working out what a Dockerfile's
 * last stage added on top of its base (for the service: the bundle).
 */
import type { EngineKind } from './engine.js';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/**
 * Bytes from a size as engines print it: "123", "123B", "1.05kB", "113 MB", "1.2GiB". Decimal
 * units are powers of 1000 (what docker and podman mean by MB), binary ones powers of 1024.
 */
export function parseSize(text: string | number): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw new Error(`not a size: ${text}`);
    return text;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(text);
  const factor = m ? UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || factor === undefined) throw new Error(`not a size: "${text}"`);
  return Math.round(Number(m[1]) * factor);
}

/** "113.4 MB (108.2 MiB)", or "932.1 kB (910.3 KiB)" under a megabyte. */
export function formatBytes(bytes: number): string {
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB (${(bytes / 1024).toFixed(1)} KiB)`;
  return `${(bytes / 1e6).toFixed(1)} MB (${(bytes / 1024 ** 2).toFixed(1)} MiB)`;
}

export interface HistoryEntry {
  /** The instruction that made the entry, e.g. `COPY … /app/` or `/bin/sh -c #(nop) LABEL …`. */
  createdBy: string;
  /** Bytes the entry's layer adds (0 for config-only instructions). */
  size: number;
}

function entryFrom(raw: Record<string, unknown>): HistoryEntry {
  const createdBy = raw.createdBy ?? raw.CreatedBy ?? '';
  const size = raw.size ?? raw.Size ?? 0;
  if (typeof createdBy !== 'string' || (typeof size !== 'string' && typeof size !== 'number')) {
    throw new Error(`unexpected history entry: ${JSON.stringify(raw).slice(0, 200)}`);
  }
  return { createdBy, size: parseSize(size) };
}

/** `history` output (see historyArgs) as entries, newest first. */
export function parseHistory(kind: EngineKind, stdout: string): HistoryEntry[] {
  const text = stdout.trim();
  if (!text) return [];
  if (kind === 'podman') {
    const parsed = JSON.parse(text) as unknown;
    if (!Array.isArray(parsed)) throw new Error('podman history --format json did not print an array');
    return parsed.map((raw) => entryFrom(raw as Record<string, unknown>));
  }
  return text.split('\n').map((line) => entryFrom(JSON.parse(line) as Record<string, unknown>));
}

/**
 * The history entries an image has on top of its base: the base's entries must be the image's
 * oldest ones. Throws when they are not (the image was not built FROM that base).
 */
export function entriesAddedOver(image: readonly HistoryEntry[], base: readonly HistoryEntry[]): HistoryEntry[] {
  const added = image.length - base.length;
  if (added < 0) throw new Error(`the image has fewer history entries (${image.length}) than its base (${base.length})`);
  for (let i = 0; i < base.length; i++) {
    const ours = image[added + i];
    const theirs = base[i];
    if (!ours || !theirs || ours.createdBy !== theirs.createdBy || ours.size !== theirs.size) {
      throw new Error(`the image's history does not end with its base's (entry ${i}: "${ours?.createdBy}" vs "${theirs?.createdBy}")`);
    }
  }
  return image.slice(0, added);
}

export function totalSize(entries: readonly { size: number }[]): number {
  return entries.reduce((sum, entry) => sum + entry.size, 0);
}
