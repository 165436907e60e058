import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createApp } from '@opencvm/app';
import { type ExperimentRow, type ExperimentSpec, measureExperiment } from '@opencvm/core';
import { ComparisonReference, disagreements, loadStatsReference } from '@opencvm/core/testing';
import { ADAPTERS, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/create-server.ts';
import { MAX_MEASURE_BODY_BYTES } from '../../src/routes/measure.ts';
import { signedInClient } from '../test-server.ts';

/** `POST /v1/measure`: `cvm measure` over HTTP, the CSV as the body and the columns in the query. */

const schema = testSchema();

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely; the assertions are the type check.
const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json();

// The route reads no store data, so one adapter is enough.
const withServer = async (test: (server: ReturnType<typeof signedInClient>) => Promise<void>) => {
  const [adapter] = ADAPTERS;
  if (adapter === undefined) throw new Error('no storage adapter to test with');
  await using store = await adapter.open(schema);
  const app = await createApp(
    { store: store.store, schema },
    { clock: () => new Date('2026-01-15T10:00:00Z') },
  );
  await test(signedInClient(createServer(app, { version: '0.0.0-test' }).server, app));
};

const post = (
  server: ReturnType<typeof signedInClient>,
  query: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
) =>
  server.request(`/v1/measure?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', ...headers },
    body,
  });

const SMALL_CSV = [
  'arm,region,converted,revenue',
  'control,north,1,10',
  'control,north,0,0',
  'control,south,false,0',
  'control,south,0,2.00',
  'promo,north,1,12',
  'promo,north,true,8',
  'promo,south,0,0',
  'promo,south,1,4',
].join('\n');

// The same customers as rows for the core function, which the route must agree with exactly.
const SMALL_ROWS: ExperimentRow[] = [
  { arm: 'control', region: 'north', converted: 1, revenue: 10 },
  { arm: 'control', region: 'north', converted: 0, revenue: 0 },
  { arm: 'control', region: 'south', converted: 0, revenue: 0 },
  { arm: 'control', region: 'south', converted: 0, revenue: 2 },
  { arm: 'promo', region: 'north', converted: 1, revenue: 12 },
  { arm: 'promo', region: 'north', converted: 1, revenue: 8 },
  { arm: 'promo', region: 'south', converted: 0, revenue: 0 },
  { arm: 'promo', region: 'south', converted: 1, revenue: 4 },
];

const SMALL_SPEC: ExperimentSpec = {
  groupColumn: 'arm',
  control: 'control',
  metrics: [
    { column: 'converted', kind: 'binary' },
    { column: 'revenue', kind: 'money' },
  ],
};

const SMALL_QUERY = 'group=arm&control=control&metric=converted:binary&metric=revenue:money';

/** What the report looks like once it has been through JSON, as the response body has. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('POST /v1/measure', () => {
  it('answers with the figures of measureExperiment on the same rows', async () => {
    await withServer(async (server) => {
      const response = await post(server, SMALL_QUERY, SMALL_CSV);
      expect(response.status).toBe(200);
      const expected = measureExperiment(SMALL_ROWS, SMALL_SPEC);
      if (!expected.ok) throw new Error(expected.error.message);
      const report = await json(response);
      expect(report).toEqual(asJson(expected.value));
      // The closed forms of the CLI test: rates ¼ and ¾, z = √2; revenue means 3 and 6.
      expect(report.groups[0].metrics.converted.statistic).toBeCloseTo(Math.SQRT2, 12);
      expect(report.groups[0].metrics.revenue.lift).toBe(3);

      const sliced = await post(server, `${SMALL_QUERY}&by=region`, SMALL_CSV);
      expect(sliced.status).toBe(200);
      const expectedSlices = measureExperiment(SMALL_ROWS, { ...SMALL_SPEC, by: 'region' });
      if (!expectedSlices.ok) throw new Error(expectedSlices.error.message);
      expect(await json(sliced)).toEqual(asJson(expectedSlices.value));
    });
  });

  it('streams a body of declared length and refuses one over the limit', async () => {
    await withServer(async (server) => {
      const body = new TextEncoder().encode(SMALL_CSV);
      const streamed = await post(server, SMALL_QUERY, body, { 'content-length': String(body.length) });
      expect(streamed.status).toBe(200);
      expect((await json(streamed)).control.n).toBe(4);
      const tooLarge = await post(server, SMALL_QUERY, body, {
        'content-length': String(MAX_MEASURE_BODY_BYTES + 1),
      });
      expect(tooLarge.status).toBe(413);
      expect((await json(tooLarge)).error.code).toBe('payload_too_large');
    });
  });

  it('names the parameter that is missing or wrong', async () => {
    await withServer(async (server) => {
      const refused = async (query: string, csv = SMALL_CSV) => {
        const response = await post(server, query, csv);
        expect(response.status, query).toBe(400);
        return (await json(response)).error;
      };
      expect(await refused('control=control&metric=converted:binary')).toMatchObject({
        code: 'invalid_body',
        path: 'group',
      });
      expect((await refused('group=arm&metric=converted:binary')).path).toBe('control');
      expect((await refused('group=arm&control=control')).path).toBe('metric');
      const kind = await refused('group=arm&control=control&metric=converted:count');
      expect(kind).toMatchObject({
        path: 'metric',
        message: 'expected <column>:binary|money, got "converted:count"',
      });
      expect((await refused(`${SMALL_QUERY}&metric=revenue:money`)).path).toBe('metric');
      expect((await refused(`${SMALL_QUERY}&by=`)).path).toBe('by');
      const unknown = await refused(`${SMALL_QUERY}&by=zip`);
      expect(unknown).toMatchObject({
        path: 'by',
        message: 'unknown column "zip"; the header has arm, region, converted, revenue',
        details: { columns: ['zip'], header: ['arm', 'region', 'converted', 'revenue'] },
      });
      expect((await refused('group=team&control=control&metric=spend:money')).path).toBe('group');
      const control = await refused('group=arm&control=holdout&metric=converted:binary');
      expect(control).toMatchObject({
        path: 'control',
        message: 'control group "holdout" not found in column "arm" (groups found: control, promo)',
        details: { groups: ['control', 'promo'] },
      });
      expect(await refused(SMALL_QUERY, '')).toMatchObject({
        path: '(body)',
        message: 'the file is empty; expected a header row',
      });
    });
  });

  it('lists the refused values with their lines, the first in the message', async () => {
    await withServer(async (server) => {
      const csv = SMALL_CSV.replace('promo,south,1,4', 'promo,south,yes,4').replace(
        'control,north,1,10',
        'control,north,1,$10',
      );
      const response = await post(server, SMALL_QUERY, `${csv}\npromo,north,1`);
      expect(response.status).toBe(400);
      const { error } = await json(response);
      expect(error).toMatchObject({ code: 'invalid_body', path: '(body)' });
      expect(error.message).toContain('line 2, revenue = "$10": not a decimal number such as 12.50');
      expect(error.details).toEqual({
        issues: [
          { line: 2, column: 'revenue', value: '$10', reason: 'not a decimal number such as 12.50' },
          { line: 9, column: 'converted', value: 'yes', reason: 'expected 0, 1, true or false' },
          { line: 10, column: '(row)', value: null, reason: 'expected 4 columns, found 3' },
        ],
        truncated: false,
      });
    });
  });
});

// The shared data sit next to the repository (../shared/data from its root); a fresh clone has none.
const HILLSTROM = resolve(import.meta.dirname, '../../../../../shared/data/hillstrom.csv');
const hillstromPresent = existsSync(HILLSTROM);
const HILLSTROM_QUERY = [
  'group=segment',
  `control=${encodeURIComponent('No E-Mail')}`,
  'metric=visit:binary',
  'metric=conversion:binary',
  'metric=spend:money',
].join('&');

describe.skipIf(!hillstromPresent)(
  `Hillstrom's e-mail experiment over HTTP${hillstromPresent ? '' : ` (skipped: ${HILLSTROM} is absent)`}`,
  () => {
    const reference = loadStatsReference().hillstrom;

    it('gives the figures of cvm measure, whole and per zip code', async () => {
      const body = readFileSync(HILLSTROM);
      await withServer(async (server) => {
        const response = await post(server, HILLSTROM_QUERY, body, { 'content-length': String(body.length) });
        expect(response.status).toBe(200);
        const report = ComparisonReference.parse(await json(response));
        expect([report.control.n, ...report.groups.map((group) => group.n)]).toEqual([21306, 21307, 21387]);
        expect(disagreements(report, reference.report)).toEqual([]);

        const byZip = await post(server, `${HILLSTROM_QUERY}&by=zip_code`, body);
        expect(byZip.status).toBe(200);
        expect(disagreements(await json(byZip), reference.byZipCode)).toEqual([]);
      });
    });
  },
);
