import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADAPTERS, tempDir, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/create-app.ts';

const schema = testSchema();
const clock = () => new Date('2026-01-15T10:00:00.000Z');

const GOOD_CUSTOMERS =
  'id,tier,visits,email\nc1,gold,1,a@example.com\nc2,silver,2,b@example.com\nc3,bronze,3,\n';

const openApp = async (adapter: (typeof ADAPTERS)[number]) => {
  const test = await adapter.open(schema);
  const app = await createApp({ store: test.store, schema }, { clock });
  return { app, store: test.store, [Symbol.asyncDispose]: () => test[Symbol.asyncDispose]() };
};

const write = (dir: string, name: string, content: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

for (const adapter of ADAPTERS) {
  describe(`file import on ${adapter.name}`, () => {
    it('imports a clean file and records the run', async () => {
      await using env = await openApp(adapter);
      using dir = tempDir();
      const result = await env.app.importFile({
        kind: 'customers',
        path: write(dir.path, 'c.csv', GOOD_CUSTOMERS),
      });
      expect(result.ok && result.value.run).toMatchObject({
        status: 'succeeded',
        kind: 'customers',
        format: 'csv',
        read: 3,
        inserted: 3,
        rejected: 0,
      });
      const runs = await env.store.listImportRuns(5);
      expect(runs).toHaveLength(1);
    });

    it('refuses a file with bad rows as a whole and reports line, column, value and reason', async () => {
      await using env = await openApp(adapter);
      using dir = tempDir();
      const path = write(
        dir.path,
        'c.csv',
        'id,tier,visits,birth_date\nc1,gold,1,1990-01-01\nc2,platinum,2,1990-01-01\nc3,silver,three,1990-02-30\nc4,gold,4,1990-01-01\n',
      );
      const result = await env.app.importFile({ kind: 'customers', path });
      expect(result.ok).toBe(false);
      if (result.ok || result.error.type !== 'invalid_rows') throw new Error('expected invalid rows');
      expect(result.error.rejected).toBe(2);
      expect(result.error.sample.map((row) => row.line)).toEqual([3, 4]);
      expect(result.error.sample[0]?.issues).toEqual([
        {
          column: 'tier',
          value: 'platinum',
          reason: expect.stringContaining('is not one of gold, silver, bronze'),
        },
      ]);
      expect(result.error.sample[1]?.issues.map((issue) => issue.column)).toEqual(['birth_date', 'visits']);
      const report = readFileSync(`${path}.rejects.csv`, 'utf8').trim().split('\n');
      expect(report[0]).toBe('line,column,value,reason');
      expect(report.slice(1).map((line) => line.split(',').slice(0, 3).join(','))).toEqual([
        '3,tier,platinum',
        '4,birth_date,1990-02-30',
        '4,visits,three',
      ]);
      expect((await env.app.summary()).customers).toBe(0);
      const [run] = await env.store.listImportRuns(1);
      expect(run).toMatchObject({ status: 'failed', read: 4, rejected: 2, inserted: 0 });
    });

    it('loads the valid rows with --skip-invalid and writes the rejects file', async () => {
      await using env = await openApp(adapter);
      using dir = tempDir();
      const path = write(
        dir.path,
        'e.csv',
        [
          'id,customer_id,type,ts,amount',
          'e1,c1,purchase,2025-01-01T10:00:00Z,10',
          'e2,c1,purchase,2025-01-01T11:00:00Z,1.23456',
          'e3,c1,visit,2025-01-01T12:00:00Z,',
          'e3,c1,visit,2025-01-01T12:00:00Z,',
          'e4,,visit,2025-01-01T12:00:00Z,',
        ].join('\n'),
      );
      const rejectsPath = join(dir.path, 'rejects.csv');
      const result = await env.app.importFile({ kind: 'events', path, skipInvalid: true, rejectsPath });
      expect(result.ok && result.value.run).toMatchObject({
        status: 'succeeded',
        read: 5,
        inserted: 2,
        duplicates: 1,
        rejected: 2,
      });
      expect(readFileSync(rejectsPath, 'utf8')).toMatch(/^3,amount,1\.23456,/m);
      expect(readFileSync(rejectsPath, 'utf8')).toMatch(/^6,customer_id,,required/m);
      expect((await env.app.summary()).events).toBe(2);
    });

    it('refuses a customer id repeated in one file, naming both lines', async () => {
      await using env = await openApp(adapter);
      using dir = tempDir();
      const path = write(dir.path, 'c.csv', 'id,tier\nc1,gold\nc2,gold\nc1,silver\n');
      const result = await env.app.importFile({ kind: 'customers', path });
      if (result.ok || result.error.type !== 'invalid_rows') throw new Error('expected invalid rows');
      expect(result.error.sample).toEqual([
        {
          line: 2,
          issues: [expect.objectContaining({ column: 'id', reason: expect.stringContaining('line 4') })],
        },
        {
          line: 4,
          issues: [expect.objectContaining({ column: 'id', reason: expect.stringContaining('line 2') })],
        },
      ]);
      expect((await env.app.summary()).customers).toBe(0);
    });

    it('leaves the store unchanged for every kind of malformed file', async () => {
      await using env = await openApp(adapter);
      using dir = tempDir();
      const first = await env.app.importFile({
        kind: 'customers',
        path: write(dir.path, 'good.csv', GOOD_CUSTOMERS),
      });
      expect(first.ok).toBe(true);
      const before = await env.store.getCustomer('c1', { events: 0 });
      const malformed: Record<string, string | Buffer> = {
        'wrong-type.csv': 'id,visits\nc1,99\nc2,lots\n',
        'missing-column.csv': 'tier,visits\ngold,1\n',
        'duplicate-id.csv': 'id,visits\nc1,5\nc1,6\n',
        'bad-encoding.csv': Buffer.concat([
          Buffer.from('id,tier,city\nc1,gold,'),
          Buffer.from([0xff, 0xfe, 0x41]),
          Buffer.from('\n'),
        ]),
        'empty.csv': '',
        'short-row.csv': 'id,visits,tier\nc1,7\n',
      };
      const outcomes: Record<string, string> = {};
      for (const [name, content] of Object.entries(malformed)) {
        const result = await env.app.importFile({ kind: 'customers', path: write(dir.path, name, content) });
        outcomes[name] = result.ok ? 'imported' : result.error.type;
      }
      expect(outcomes).toEqual({
        'wrong-type.csv': 'invalid_rows',
        'missing-column.csv': 'unreadable_file',
        'duplicate-id.csv': 'invalid_rows',
        'bad-encoding.csv': 'invalid_rows',
        'empty.csv': 'unreadable_file',
        'short-row.csv': 'invalid_rows',
      });
      expect(await env.store.getCustomer('c1', { events: 0 })).toEqual(before);
      expect((await env.app.summary()).customers).toBe(3);
      const encoding = readFileSync(join(dir.path, 'bad-encoding.csv.rejects.csv'), 'utf8');
      expect(encoding).toMatch(/^2,.*UTF-8/m);
    });

    it('reports JSON lines that do not parse with their line number', async () => {
      await using env = await openApp(adapter);
      using dir = tempDir();
      const path = write(
        dir.path,
        'c.jsonl',
        '{"id":"c1","tier":"gold"}\n{"id":"c2",\n{"id":"c3","vip":"perhaps"}\n',
      );
      const result = await env.app.importFile({ kind: 'customers', path });
      if (result.ok || result.error.type !== 'invalid_rows') throw new Error('expected invalid rows');
      expect(result.error.sample.map((row) => [row.line, row.issues[0]?.column])).toEqual([
        [2, '(row)'],
        [3, 'vip'],
      ]);
      expect((await env.app.summary()).customers).toBe(0);
    });

    it('loads through the validator what the bulk checks are stricter about', async () => {
      await using env = await openApp(adapter);
      using dir = tempDir();
      // JSON writes 5.0 for an integer and the bulk path reads it as text "5.0"; the validator reads the number 5.
      const path = write(dir.path, 'c.jsonl', '{"id":"c1","visits":5.0}\n{"id":"c2","visits":7}\n');
      const result = await env.app.importFile({ kind: 'customers', path });
      expect(result.ok && result.value.run).toMatchObject({ status: 'succeeded', inserted: 2, rejected: 0 });
      expect((await env.store.getCustomer('c1', { events: 0 }))?.customer.visits).toBe(5);
    });

    it('gives a repeated wall-clock hour the same instant in a file and through the API', async () => {
      await using env = await openApp(adapter);
      using dir = tempDir();
      // Berlin's clocks go back at 03:00 on 2024-10-27: 02:30 happens twice.
      const path = write(dir.path, 'c.csv', 'id,signup_at\nfile,2024-10-27 02:30\n');
      expect((await env.app.importFile({ kind: 'customers', path })).ok).toBe(true);
      const batch = await env.app.importBatch({
        kind: 'customers',
        body: [{ id: 'api', signup_at: '2024-10-27 02:30' }],
        atomic: true,
      });
      expect(batch.ok).toBe(true);
      const fromFile = (await env.store.getCustomer('file', { events: 0 }))?.customer.signup_at;
      const fromApi = (await env.store.getCustomer('api', { events: 0 }))?.customer.signup_at;
      expect(fromFile).toBe('2024-10-27T01:30:00.000Z');
      expect(fromApi).toBe(fromFile);
    });

    it('guesses the format from the extension and says when it cannot', async () => {
      await using env = await openApp(adapter);
      using dir = tempDir();
      const result = await env.app.importFile({ kind: 'customers', path: write(dir.path, 'c.xlsx', 'x') });
      expect(!result.ok && result.error.type).toBe('unknown_format');
    });
  });
}
