import { describe, expect, it } from 'vitest';
import { settingBytes } from '../src/duckdb/duckdb-store.ts';

describe('DuckDB memory settings', () => {
  it('reads a size setting as the engine prints it, in bytes', () => {
    expect(settingBytes('18.6 GiB')).toBeCloseTo(18.6 * 2 ** 30, 0);
    expect(settingBytes('512.0 MiB')).toBe(512 * 2 ** 20);
    expect(settingBytes('2GB')).toBe(2e9);
    expect(settingBytes('1000 bytes')).toBe(1000);
    expect(settingBytes('unlimited')).toBeNull();
    expect(settingBytes('12 parsecs')).toBeNull();
  });
});
