import { describe, expect, it } from 'vitest';
import { entriesAddedOver, formatBytes, parseHistory, parseSize, totalSize } from '../../scripts/image/lib/size.js';

describe('parseSize', () => {
  it.each([
    ['117992000', 117_992_000],
    ['0B', 0],
    ['937B', 937],
    ['1.05kB', 1050],
    ['117.9 MB', 117_900_000],
    ['1.2GB', 1_200_000_000],
    ['1 KiB', 1024],
    ['112.5MiB', Math.round(112.5 * 1024 ** 2)],
    [' 2 gib ', 2 * 1024 ** 3],
  ])('%s is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it('takes numbers as bytes', () => {
    expect(parseSize(936960)).toBe(936960);
  });

  it.each(['', 'MB', '12 parsecs', '-1', '1e6'])('rejects %j', (text) => {
    expect(() => parseSize(text)).toThrow(/not a size/);
  });
});

describe('formatBytes', () => {
  it('MB and MiB above a megabyte, kB and KiB below', () => {
    expect(formatBytes(117_900_000)).toBe('117.9 MB (112.4 MiB)');
    expect(formatBytes(936_960)).toBe('937.0 kB (915.0 KiB)');
  });
});

const podmanHistory = JSON.stringify([
  { id: 'a', created: '2026-01-01T00:00:00Z', CreatedBy: '/bin/sh -c #(nop) CMD ["--enable-source-maps", "/app/server.mjs"]', size: 0, comment: '' },
  { id: 'b', CreatedBy: '/bin/sh -c #(nop) COPY dir:1b39 in /app/ ', size: 936960, comment: '' },
  { id: 'c', CreatedBy: '/bin/sh -c #(nop) LABEL org.opencontainers.image.title="hono-api"', size: 0 },
  { id: 'd', CreatedBy: '/bin/sh -c #(nop) ADD file:76b8 in /', size: 116992000, comment: 'imported from tarball' },
]);
const podmanBase = JSON.stringify([{ id: 'd', CreatedBy: '/bin/sh -c #(nop) ADD file:76b8 in /', size: 116992000 }]);

describe('parseHistory', () => {
  it('reads podman history --format json (an array, sizes in bytes)', () => {
    expect(parseHistory('podman', podmanHistory).map((e) => e.size)).toEqual([0, 936960, 0, 116992000]);
  });

  it('reads docker history --format {{json .}} --human=false (JSON lines, sizes as strings)', () => {
    const docker = [
      '{"Comment":"buildkit.dockerfile.v0","CreatedAt":"2026-01-01T00:00:00Z","CreatedBy":"CMD [\\"--enable-source-maps\\"]","ID":"<missing>","Size":"0"}',
      '{"Comment":"buildkit.dockerfile.v0","CreatedBy":"COPY /app/dist/ /app/ # buildkit","ID":"<missing>","Size":"936960"}',
    ].join('\n');
    expect(parseHistory('docker', docker)).toEqual([
      { createdBy: 'CMD ["--enable-source-maps"]', size: 0 },
      { createdBy: 'COPY /app/dist/ /app/ # buildkit', size: 936960 },
    ]);
  });

  it('reads human sizes too, and nothing from empty output', () => {
    expect(parseHistory('docker', '{"CreatedBy":"ADD x","Size":"117MB"}')[0]?.size).toBe(117e6);
    expect(parseHistory('podman', '')).toEqual([]);
  });

  it('rejects output that is not history', () => {
    expect(() => parseHistory('podman', '{"not":"an array"}')).toThrow(/array/);
    expect(() => parseHistory('podman', '[{"CreatedBy": 5}]')).toThrow(/unexpected history entry/);
  });
});

describe('entriesAddedOver', () => {
  const image = parseHistory('podman', podmanHistory);
  const base = parseHistory('podman', podmanBase);

  it("is the image's entries above its base's: the app layer", () => {
    const added = entriesAddedOver(image, base);
    expect(added).toHaveLength(3);
    expect(totalSize(added)).toBe(936960);
  });

  it('throws when the image was not built on that base', () => {
    expect(() => entriesAddedOver(image, [{ createdBy: 'ADD other in /', size: 1 }])).toThrow(/does not end with its base/);
    expect(() => entriesAddedOver(base, image)).toThrow(/fewer history entries/);
  });
});
