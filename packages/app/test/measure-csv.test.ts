import { Readable } from 'node:stream';
import type { ExperimentSpec } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { MAX_MEASURE_ISSUES, measureCsv, parseExperimentMetric } from '../src/results/measure-csv.ts';

/** `measureCsv`, shared by `cvm measure` and `POST /v1/measure`: every refusal is a value. */

const SPEC: ExperimentSpec = {
  groupColumn: 'arm',
  control: 'control',
  metrics: [{ column: 'converted', kind: 'binary' }],
};

const CSV = ['arm,converted', 'control,0', 'control,1', 'promo,1', 'promo,1'].join('\n');

/** The text in chunks of `size` characters, so records and cells are split across chunks. */
async function* chunks(text: string, size: number): AsyncGenerator<string> {
  for (let start = 0; start < text.length; start += size) yield text.slice(start, start + size);
}

describe('measureCsv', () => {
  it('reads strings split anywhere and Buffers alike, with a byte-order mark', async () => {
    const fromChunks = await measureCsv(chunks(CSV, 3), SPEC);
    const fromBuffer = await measureCsv(Readable.from([Buffer.from(`\uFEFF${CSV}\n\n`)]), SPEC);
    expect(fromChunks).toMatchObject({ ok: true, value: { rows: 4, report: { control: { n: 2 } } } });
    expect(fromBuffer).toEqual(fromChunks);
  });

  it('refuses a repeated metric without reading the source', async () => {
    let read = false;
    async function* untouched(): AsyncGenerator<string> {
      read = true;
      yield CSV;
    }
    const result = await measureCsv(untouched(), {
      ...SPEC,
      metrics: [...SPEC.metrics, { column: 'converted', kind: 'binary' }],
    });
    expect(result).toEqual({
      ok: false,
      error: {
        type: 'repeated_metric',
        column: 'converted',
        message: 'metric "converted" is given more than once',
      },
    });
    expect(read).toBe(false);
  });

  it('names unknown columns, an empty file and the missing control', async () => {
    expect(await measureCsv(chunks(CSV, 100), { ...SPEC, by: 'zip' })).toMatchObject({
      ok: false,
      error: { type: 'unknown_columns', columns: ['zip'], header: ['arm', 'converted'] },
    });
    expect(await measureCsv(chunks('\n\n', 100), SPEC)).toMatchObject({
      ok: false,
      error: { type: 'empty_file' },
    });
    expect(await measureCsv(chunks(CSV, 100), { ...SPEC, control: 'holdout' })).toMatchObject({
      ok: false,
      error: { type: 'control_not_found', control: 'holdout', groups: ['control', 'promo'] },
    });
  });

  it('stops at the first refused values and says so', async () => {
    const some = await measureCsv(chunks(`${CSV}\n,1\npromo,2`, 100), SPEC);
    expect(some).toEqual({
      ok: false,
      error: {
        type: 'invalid_values',
        message: '2 invalid values, first line 6, arm = "": empty; every row needs a group',
        issues: [
          { line: 6, column: 'arm', value: '', reason: 'empty; every row needs a group' },
          { line: 7, column: 'converted', value: '2', reason: 'expected 0, 1, true or false' },
        ],
        truncated: false,
      },
    });
    const many = await measureCsv(chunks([CSV, ...Array(50).fill('promo,maybe')].join('\n'), 100), SPEC);
    if (many.ok || many.error.type !== 'invalid_values') throw new Error('expected invalid values');
    expect(many.error.truncated).toBe(true);
    expect(many.error.issues).toHaveLength(MAX_MEASURE_ISSUES);
  });

  it('turns a broken stream or malformed CSV into an unreadable file', async () => {
    async function* failing(): AsyncGenerator<string> {
      yield 'arm,converted\n';
      throw new Error('connection reset');
    }
    expect(await measureCsv(failing(), SPEC)).toEqual({
      ok: false,
      error: { type: 'unreadable', message: 'connection reset' },
    });
    const quoted = await measureCsv(chunks('arm,converted\n"control,1\n', 100), SPEC);
    expect(quoted).toMatchObject({ ok: false, error: { type: 'unreadable' } });
  });

  it('parses <column>:kind, keeping colons in the column name', () => {
    expect(parseExperimentMetric('spend:eur:money')).toEqual({
      ok: true,
      value: { column: 'spend:eur', kind: 'money' },
    });
    expect(parseExperimentMetric(':money').ok).toBe(false);
    expect(parseExperimentMetric('spend').ok).toBe(false);
  });
});
