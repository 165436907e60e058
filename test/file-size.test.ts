import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSources } from './import-graph.ts';

/** A file longer than this is a room with several things in it: split it by what they are. */
const MAX_LINES = 600;

const ROOT = resolve(import.meta.dirname, '..');

/** Every hand-written TypeScript source: packages' sources, tests and test peers, benches, browser tests. */
const sources = (): string[] => {
  const packages = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).workspaces;
  const dirs: string[] = Array.isArray(packages)
    ? packages.filter((entry): entry is string => typeof entry === 'string')
    : [];
  return readSources(ROOT, [...dirs, 'test']).map((file) => file.path);
};

describe('file size', () => {
  it(`keeps every source file at ${MAX_LINES} lines or fewer`, () => {
    const long = sources()
      .map((path) => ({ path, lines: readFileSync(join(ROOT, path), 'utf8').split('\n').length - 1 }))
      .filter((file) => file.lines > MAX_LINES)
      .map((file) => `${file.path}: ${file.lines} lines`);
    expect(long).toEqual([]);
  });
});
