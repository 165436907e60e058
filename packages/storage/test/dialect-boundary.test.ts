import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * What differs between the engines lives in their dialects (duckdb/, postgres/): shared SQL takes
 * a Dialect and never asks which engine it runs on. A comparison with an engine's name anywhere
 * else is a branch that belongs in a dialect.
 */

const SOURCE = join(import.meta.dirname, '..', 'src');
const ENGINE_FOLDERS = new Set(['duckdb', 'postgres']);

/** `x === 'duckdb'`, `'postgres' !== x`, `case 'duckdb':`, in either quote style. */
const ENGINE_COMPARISON =
  /(?:[!=]==?\s*(['"`])(?:duckdb|postgres)\1)|(?:(['"`])(?:duckdb|postgres)\2\s*[!=]==?)|(?:case\s+(['"`])(?:duckdb|postgres)\3\s*:)/;

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });

describe('engine branches', () => {
  it('recognises a comparison with an engine name', () => {
    expect(ENGINE_COMPARISON.test(`dialect === 'duckdb' ? a : b`)).toBe(true);
    expect(ENGINE_COMPARISON.test(`if (this.dialect !== "postgres") return;`)).toBe(true);
    expect(ENGINE_COMPARISON.test(`'postgres' == name`)).toBe(true);
    expect(ENGINE_COMPARISON.test(`case 'duckdb':`)).toBe(true);
    expect(ENGINE_COMPARISON.test(`readonly name: 'duckdb' | 'postgres';`)).toBe(false);
  });

  it('are made only in the duckdb/ and postgres/ folders', () => {
    const files = sources(SOURCE);
    expect(files.length).toBeGreaterThan(20);
    const offending = files
      .filter((path) => !ENGINE_FOLDERS.has(relative(SOURCE, path).split(/[\\/]/)[0] ?? ''))
      .flatMap((path) =>
        readFileSync(path, 'utf8')
          .split('\n')
          .map((line, index) => ({ line, at: `${relative(SOURCE, path)}:${index + 1}` }))
          .filter(({ line }) => ENGINE_COMPARISON.test(line))
          .map(({ at, line }) => `${at}: ${line.trim()}`),
      );
    expect(offending).toEqual([]);
  });
});
