import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ImportKind, ImportSource, Store } from '@opencvm/core';
import { StoreError } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, TEST_SCHEMA_INPUT, tempDir, testSchema } from './adapters.ts';

const schema = testSchema();

const CUSTOMERS_CSV = [
  'id,email,msisdn,consent_email_marketing,consent_sms_marketing,tier,birth_date,score,visits,vip,signup_at,city,timezone,locale',
  'c1,Ann@Example.com,+49 151 1234567,true,false,gold,1990-04-01,12.5,3,true,2024-03-31 02:30:00,Berlin,Europe/Berlin,de',
  'c2,bob@example.com,,false,,silver,,,0,false,2024-06-01T12:00:00Z,Hamburg,,en',
  'c3,,491701234567,,yes,bronze,1975-12-31,-1,10,no,,"Köln, Mitte",Asia/Kamchatka,ru-RU',
].join('\n');

const EVENTS_CSV = [
  'id,customer_id,type,ts,amount,currency,sku,qty,page',
  'e1,c1,purchase,2025-01-10 10:00:00,19.99,EUR,SKU-1,2,',
  'e2,c1,purchase,2025-01-11T09:00:00+01:00,0.1,,SKU-2,1,',
  'e3,c1,visit,2025-01-12T08:00:00Z,,,,,home',
  'e4,c2,refund,2025-01-13 23:59:59.5,-5.25,USD,,,',
  'e5,c2,visit,2025-01-14,,,,,cart',
].join('\n');

const RELATIONS_CSV = ['src,dst,kind,weight', 'c1,c2,family,1', 'c1,c3,referral,2.5', 'c2,c1,family,'].join(
  '\n',
);

const write = (dir: string, name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, `${text}\n`);
  return path;
};

const importFile = async (
  store: Store,
  source: Omit<ImportSource, 'mapping' | 'format'> & Partial<ImportSource>,
) => {
  const result = await store.importFile({ mapping: {}, format: 'csv', ...source });
  if (!result.ok) throw new Error(`${result.error.type}: ${result.error.message}`);
  return result.value;
};

for (const adapter of ADAPTERS) {
  describe(`store contract: ${adapter.name}`, () => {
    it('starts empty and prepares idempotently', async () => {
      await using test = await adapter.open(schema);
      await test.store.prepare(schema);
      expect(await test.store.summary()).toEqual({
        customers: 0,
        events: 0,
        relations: 0,
        lastEventAt: null,
        lastImportAt: null,
      });
    });

    it('imports customers with typed attributes, consent and contact points, read back exactly', async () => {
      await using test = await adapter.open(schema);
      using dir = tempDir();
      const counts = await importFile(test.store, {
        kind: 'customers',
        path: write(dir.path, 'c.csv', CUSTOMERS_CSV),
      });
      expect(counts).toMatchObject({ read: 3, inserted: 3, updated: 0, unchanged: 0, rejected: 0 });
      const c1 = await test.store.getCustomer('c1', { events: 10 });
      expect(c1?.customer).toMatchObject({
        id: 'c1',
        email: 'ann@example.com',
        msisdn: '+491511234567',
        consent_email_marketing: true,
        consent_sms_marketing: false,
        consent_push_marketing: null,
        tier: 'gold',
        birth_date: '1990-04-01',
        score: 12.5,
        visits: 3,
        vip: true,
        // 02:30 does not exist in Berlin on 2024-03-31 (clocks jump 02:00→03:00): read as 03:30 CEST.
        signup_at: '2024-03-31T01:30:00.000Z',
        city: 'Berlin',
        timezone: 'Europe/Berlin',
        locale: 'de',
        created_at: '2026-01-15T10:00:00.000Z',
      });
      const c3 = await test.store.getCustomer('c3', { events: 10 });
      expect(c3?.customer).toMatchObject({
        msisdn: '+491701234567',
        consent_sms_marketing: true,
        vip: false,
        score: -1,
        city: 'Köln, Mitte',
        timezone: 'Asia/Kamchatka',
        email: null,
      });
      expect(await test.store.getCustomer('nobody', { events: 10 })).toBeNull();
    });

    it('upserts customers by id: a second import of the same file changes nothing', async () => {
      await using test = await adapter.open(schema);
      using dir = tempDir();
      const path = write(dir.path, 'c.csv', CUSTOMERS_CSV);
      await importFile(test.store, { kind: 'customers', path });
      const again = await importFile(test.store, { kind: 'customers', path });
      expect(again).toMatchObject({ read: 3, inserted: 0, updated: 0, unchanged: 3 });
      expect((await test.store.summary()).customers).toBe(3);
    });

    it('updates only the columns a file has, and counts only rows that changed', async () => {
      await using test = await adapter.open(schema);
      using dir = tempDir();
      await importFile(test.store, { kind: 'customers', path: write(dir.path, 'c.csv', CUSTOMERS_CSV) });
      const partial = write(dir.path, 'tier.csv', 'id,tier\nc1,silver\nc2,silver\nc4,gold');
      const counts = await importFile(test.store, { kind: 'customers', path: partial });
      expect(counts).toMatchObject({ read: 3, inserted: 1, updated: 1, unchanged: 1 });
      const c1 = await test.store.getCustomer('c1', { events: 0 });
      expect(c1?.customer).toMatchObject({ tier: 'silver', email: 'ann@example.com', vip: true });
      expect(c1?.customer.updated_at).toBe('2026-01-15T10:00:00.000Z');
    });

    it('stores events with exact money, workspace time zone and default currency; de-duplicates by id', async () => {
      await using test = await adapter.open(schema);
      using dir = tempDir();
      const path = write(dir.path, 'e.csv', EVENTS_CSV);
      const first = await importFile(test.store, { kind: 'events', path });
      expect(first).toMatchObject({ read: 5, inserted: 5, duplicates: 0 });
      const second = await importFile(test.store, { kind: 'events', path });
      expect(second).toMatchObject({ read: 5, inserted: 0, duplicates: 5 });
      const withRepeats = write(
        dir.path,
        'e2.csv',
        `${EVENTS_CSV}\ne6,c1,visit,2025-02-01T00:00:00Z,,,,,x\ne6,c1,visit,2025-02-01T00:00:00Z,,,,,x`,
      );
      const third = await importFile(test.store, { kind: 'events', path: withRepeats });
      expect(third).toMatchObject({ read: 7, inserted: 1, duplicates: 6 });
      const summary = await test.store.summary();
      expect(summary.events).toBe(6);
      expect(summary.lastEventAt).toBe('2025-02-01T00:00:00.000Z');
      await importFile(test.store, { kind: 'customers', path: write(dir.path, 'c.csv', CUSTOMERS_CSV) });
      const c1 = await test.store.getCustomer('c1', { events: 10 });
      const events = Object.fromEntries((c1?.lastEvents ?? []).map((event) => [event.id, event]));
      expect(events.e1).toEqual({
        id: 'e1',
        type: 'purchase',
        ts: '2025-01-10T09:00:00.000Z',
        amount: '19.99',
        currency: 'EUR',
        attributes: { sku: 'SKU-1', qty: 2 },
      });
      expect(events.e2).toMatchObject({ ts: '2025-01-11T08:00:00.000Z', amount: '0.1', currency: 'EUR' });
      expect(events.e3).toMatchObject({ amount: null, currency: null, attributes: { page: 'home' } });
      expect(c1?.lastEvents.map((event) => event.id)).toEqual(['e6', 'e3', 'e2', 'e1']);
      const c2 = await test.store.getCustomer('c2', { events: 10 });
      expect(c2?.lastEvents.find((event) => event.id === 'e4')).toMatchObject({
        ts: '2025-01-13T22:59:59.500Z',
        amount: '-5.25',
        currency: 'USD',
      });
    });

    it('upserts relations by (src, dst, kind) and shows them from both ends', async () => {
      await using test = await adapter.open(schema);
      using dir = tempDir();
      const counts = await importFile(test.store, {
        kind: 'relations',
        path: write(dir.path, 'r.csv', RELATIONS_CSV),
      });
      expect(counts).toMatchObject({ read: 3, inserted: 3 });
      const again = await importFile(test.store, {
        kind: 'relations',
        path: write(dir.path, 'r2.csv', 'src,dst,kind,weight\nc1,c3,referral,4\nc1,c2,family,1'),
      });
      expect(again).toMatchObject({ inserted: 0, updated: 1, unchanged: 1 });
      await importFile(test.store, { kind: 'customers', path: write(dir.path, 'c.csv', CUSTOMERS_CSV) });
      const c1 = await test.store.getCustomer('c1', { events: 0 });
      expect(c1?.relations).toEqual([
        { direction: 'out', customerId: 'c3', kind: 'referral', weight: 4 },
        { direction: 'in', customerId: 'c2', kind: 'family', weight: 1 },
        { direction: 'out', customerId: 'c2', kind: 'family', weight: 1 },
      ]);
      expect((await test.store.summary()).relations).toBe(3);
    });

    it('maps file columns to fields', async () => {
      await using test = await adapter.open(schema);
      using dir = tempDir();
      const path = write(dir.path, 'crm.csv', 'customer_number;Tier;E-mail\nX1;gold;x@example.org');
      const counts = await importFile(test.store, {
        kind: 'customers',
        path,
        mapping: { customer_number: 'id', Tier: 'tier', 'E-mail': 'email' },
      });
      expect(counts.inserted).toBe(1);
      expect((await test.store.getCustomer('X1', { events: 0 }))?.customer).toMatchObject({
        tier: 'gold',
        email: 'x@example.org',
      });
    });

    it('reads JSONL and Parquet as it reads CSV', async () => {
      await using test = await adapter.open(schema);
      using dir = tempDir();
      const jsonl = write(
        dir.path,
        'e.jsonl',
        [
          JSON.stringify({
            id: 'j1',
            customer_id: 'c1',
            type: 'purchase',
            ts: '2025-03-01T10:00:00Z',
            amount: 12.5,
            qty: 3,
          }),
          JSON.stringify({
            id: 'j2',
            customer_id: 'c1',
            type: 'visit',
            ts: '2025-03-02T10:00:00Z',
            page: 'p',
          }),
        ].join('\n'),
      );
      expect(await importFile(test.store, { kind: 'events', path: jsonl, format: 'jsonl' })).toMatchObject({
        inserted: 2,
      });
      const csv = write(dir.path, 'c.csv', CUSTOMERS_CSV);
      const parquet = join(dir.path, 'c.parquet');
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      await connection.run(
        `COPY (SELECT * FROM read_csv('${csv}', all_varchar = true)) TO '${parquet}' (FORMAT parquet)`,
      );
      connection.closeSync();
      instance.closeSync();
      expect(
        await importFile(test.store, { kind: 'customers', path: parquet, format: 'parquet' }),
      ).toMatchObject({ inserted: 3 });
      const c1 = await test.store.getCustomer('c1', { events: 5 });
      expect(c1?.customer).toMatchObject({ tier: 'gold', vip: true, visits: 3 });
      expect(c1?.lastEvents.find((event) => event.id === 'j1')).toMatchObject({
        amount: '12.5',
        currency: 'EUR',
        attributes: { qty: 3 },
      });
    });

    it('finds invalid rows without writing anything', async () => {
      await using test = await adapter.open(schema);
      using dir = tempDir();
      const cases: readonly [ImportKind, string][] = [
        ['customers', 'id,tier\nc1,platinum'],
        ['customers', 'id,visits\nc1,1.5'],
        ['customers', 'id,birth_date\nc1,2023-02-29'],
        ['customers', 'id,email\nc1,not-an-email'],
        ['customers', 'id,vip\nc1,maybe'],
        ['customers', 'id,timezone\nc1,Mars/Olympus'],
        ['customers', 'id,tier\nc1,gold\nc1,silver'],
        ['customers', 'id,tier\n,gold'],
        ['events', 'id,customer_id,type,ts\ne1,c1,purchase,yesterday'],
        ['events', 'id,customer_id,type,ts,amount\ne1,c1,purchase,2025-01-01,1.23456'],
        ['events', 'id,customer_id,type,ts,amount\ne1,c1,visit,2025-01-01,5'],
        ['events', 'id,customer_id,type,ts,page\ne1,c1,purchase,2025-01-01,home'],
        ['events', 'id,customer_id,type,ts\ne1,c1,teleport,2025-01-01'],
        ['events', 'id,customer_id,type,ts,currency\ne1,c1,purchase,2025-01-01,EUR'],
        ['events', 'id,customer_id,type,ts,amount,currency\ne1,c1,purchase,2025-01-01,1,XXX'],
        ['relations', 'src,dst,kind\nc1,c1,family'],
        ['relations', 'src,dst,kind,weight\nc1,c2,family,-1'],
        ['customers', 'id,tier\nc1,gold,extra'],
      ];
      for (const [index, [kind, text]] of cases.entries()) {
        const result = await test.store.importFile({
          kind,
          format: 'csv',
          mapping: {},
          path: write(dir.path, `bad-${index}.csv`, text),
        });
        expect(result.ok ? 'imported' : result.error.type, `${kind}: ${text}`).toBe('invalid_rows');
      }
      expect(await test.store.summary()).toMatchObject({ customers: 0, events: 0, relations: 0 });
    });

    it('reports progress through a large file', async () => {
      await using test = await adapter.open(schema);
      using dir = tempDir();
      const lines = ['id,customer_id,type,ts,page'];
      for (let index = 0; index < 1_000_000; index += 1) {
        lines.push(`v${index},c${index % 5000},visit,2025-03-01T10:00:00Z,p${index % 97}`);
      }
      const path = write(dir.path, 'big.csv', lines.join('\n'));
      const reports: { fraction: number; rowsProcessed: number }[] = [];
      const result = await test.store.importFile(
        { kind: 'events', path, format: 'csv', mapping: {} },
        { onProgress: (progress) => reports.push(progress) },
      );
      expect(result.ok && result.value.inserted).toBe(1_000_000);
      expect(reports.length).toBeGreaterThan(0);
      expect(reports.some((report) => report.fraction > 0 && report.rowsProcessed > 0)).toBe(true);
      expect(reports.every((report) => report.fraction >= 0 && report.fraction <= 1)).toBe(true);
    });

    it('refuses files it cannot read at all, with the reason', async () => {
      await using test = await adapter.open(schema);
      using dir = tempDir();
      const reasons = async (kind: ImportKind, text: string) => {
        const path = join(dir.path, `f-${Math.random()}.csv`);
        writeFileSync(path, text);
        const result = await test.store.importFile({ kind, path, format: 'csv', mapping: {} });
        if (result.ok) return 'imported';
        expect(result.error.type).toBe('unreadable_file');
        return result.error.message;
      };
      expect(await reasons('customers', '')).toMatch(/empty/);
      expect(await reasons('events', 'id,customer_id,ts\ne1,c1,2025-01-01\n')).toMatch(
        /missing required column: type/,
      );
      expect(await reasons('customers', 'id,colour\nc1,red\n')).toMatch(
        /column "colour" is not a field of customers/,
      );
      expect(await reasons('customers', 'id,tier,tier\nc1,gold,gold\n')).toMatch(/appears twice/);
    });

    it('imports rows that the validator accepted (API batches)', async () => {
      await using test = await adapter.open(schema);
      const counts = await test.store.importRows(
        'events',
        [
          {
            id: 'a1',
            customer_id: 'c9',
            type: 'purchase',
            ts: '2025-05-01T10:00:00.000Z',
            amount: '100.5',
            currency: 'EUR',
            sku: null,
            qty: 1,
            page: null,
          },
        ],
        new Set(['id', 'customer_id', 'type', 'ts', 'amount', 'currency', 'qty']),
      );
      expect(counts).toMatchObject({ read: 1, inserted: 1 });
      expect((await test.store.summary()).events).toBe(1);
      const c9 = await test.store.getCustomer('c9', { events: 1 });
      expect(c9).toBeNull();
    });

    it('records import runs', async () => {
      await using test = await adapter.open(schema);
      const run = {
        id: 'run-1',
        kind: 'events',
        source: '/tmp/e.csv',
        format: 'csv',
        status: 'succeeded',
        startedAt: '2026-01-15T10:00:00.000Z',
        finishedAt: '2026-01-15T10:00:02.500Z',
        seconds: 2.5,
        read: 10,
        inserted: 8,
        updated: 0,
        unchanged: 0,
        duplicates: 2,
        rejected: 0,
        error: null,
      } as const;
      await test.store.recordImportRun(run);
      await test.store.recordImportRun({
        ...run,
        id: 'run-2',
        status: 'failed',
        error: 'bad',
        startedAt: '2026-01-15T11:00:00.000Z',
      });
      const runs = await test.store.listImportRuns(10);
      expect(runs.map((r) => r.id)).toEqual(['run-2', 'run-1']);
      expect(runs[1]).toEqual(run);
      expect((await test.store.summary()).lastImportAt).toBe('2026-01-15T10:00:02.500Z');
    });

    it('adds columns for new attributes and refuses a changed attribute type', async () => {
      await using test = await adapter.open(schema);
      const grown = testSchema({
        ...TEST_SCHEMA_INPUT,
        customer: { attributes: { ...TEST_SCHEMA_INPUT.customer.attributes, nps: { type: 'integer' } } },
      });
      await test.store.prepare(grown);
      using dir = tempDir();
      await importFile(test.store, { kind: 'customers', path: write(dir.path, 'n.csv', 'id,nps\nc1,9') });
      expect((await test.store.getCustomer('c1', { events: 0 }))?.customer.nps).toBe(9);
      const changed = testSchema({
        ...TEST_SCHEMA_INPUT,
        customer: { attributes: { ...TEST_SCHEMA_INPUT.customer.attributes, visits: { type: 'string' } } },
      });
      const failure = await test.store.prepare(changed).then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(StoreError);
      expect(failure instanceof StoreError ? failure.reason : null).toBe('schema_mismatch');
      expect(String(failure)).toMatch(/customer\.attributes\.visits/);
    });
  });
}
