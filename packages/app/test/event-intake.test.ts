import type { EventsImported, NormalizedRow, Store } from '@opencvm/core';
import { ADAPTERS, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createEventIntake } from '../src/import/event-intake.ts';

/**
 * The event intake over a real DuckDB store: callers arriving while a write is under way share
 * the next one, each hears its own exact counts, only new events reach the journeys, and a failed
 * round fails all its callers with nothing stored.
 */

const schema = testSchema();
const PRESENT = new Set(['id', 'customer_id', 'type', 'ts', 'page']);
const duckdb = ADAPTERS.find((adapter) => adapter.name === 'duckdb');
if (duckdb === undefined) throw new Error('no DuckDB adapter');

const visit = (id: string, customerId = 'c1'): NormalizedRow => ({
  id,
  customer_id: customerId,
  type: 'visit',
  ts: '2026-01-15T09:00:00.000Z',
  page: 'home',
});

/** The store, counting its event writes. */
const counting = (store: Store): { store: Store; writes: () => number } => {
  let writes = 0;
  const counted = Object.create(store) as Store;
  Object.defineProperty(counted, 'importEvents', {
    value: (rows: readonly NormalizedRow[], present: ReadonlySet<string>): Promise<EventsImported> => {
      writes += 1;
      return store.importEvents(rows, present);
    },
  });
  return { store: counted, writes: () => writes };
};

const ids = (rows: readonly NormalizedRow[]) =>
  rows.map((row) => `${String(row.customer_id)}/${String(row.id)}`);

describe('event intake', () => {
  it('writes callers arriving together in one round and gives each its own counts', async () => {
    await using test = await duckdb.open(schema);
    await test.store.importEvents([visit('old')], PRESENT);
    const { store, writes } = counting(test.store);
    const acted: NormalizedRow[][] = [];
    const intake = createEventIntake({
      store,
      onEvents: async (rows) => {
        acted.push([...rows]);
      },
    });
    const calls = [
      intake.submit([visit('a1'), visit('a2')], PRESENT),
      // Arrive while the first write is under way: one round for all three.
      intake.submit([visit('old'), visit('b1')], PRESENT),
      intake.submit([visit('b1'), visit('c1'), visit('c2'), visit('c3')], PRESENT),
      intake.submit([visit('a1')], PRESENT),
    ];
    const counts = await Promise.all(calls);
    expect(writes()).toBe(2);
    expect(counts.map(({ read, inserted, duplicates }) => ({ read, inserted, duplicates }))).toEqual([
      { read: 2, inserted: 2, duplicates: 0 },
      { read: 2, inserted: 1, duplicates: 1 },
      { read: 4, inserted: 3, duplicates: 1 },
      { read: 1, inserted: 0, duplicates: 1 },
    ]);
    expect(acted.map(ids)).toEqual([
      ['c1/a1', 'c1/a2'],
      ['c1/b1', 'c1/c1', 'c1/c2', 'c1/c3'],
    ]);
    expect((await test.store.summary()).events).toBe(7);
  });

  it('fails every caller of a round whose write fails, stores none of their rows, and goes on', async () => {
    await using test = await duckdb.open(schema);
    const intake = createEventIntake({ store: test.store });
    const first = intake.submit([visit('a1')], PRESENT);
    const shared = [
      intake.submit([visit('b1'), visit('b2')], PRESENT),
      intake.submit([{ ...visit('b3'), type: 'no-such-type' }], PRESENT),
    ];
    await expect(first).resolves.toMatchObject({ inserted: 1 });
    for (const call of shared) await expect(call).rejects.toThrow();
    expect((await test.store.summary()).events).toBe(1);
    await expect(intake.submit([visit('b1'), visit('b2')], PRESENT)).resolves.toMatchObject({
      inserted: 2,
      duplicates: 0,
    });
  });

  it('hands stored events the journeys could not act on to them again when they are sent again', async () => {
    await using test = await duckdb.open(schema);
    const acted: string[][] = [];
    let fail = true;
    const intake = createEventIntake({
      store: test.store,
      onEvents: async (rows) => {
        if (fail) throw new Error('journeys are down');
        acted.push(ids(rows));
      },
    });
    await expect(intake.submit([visit('a1'), visit('a2')], PRESENT)).rejects.toThrow('journeys are down');
    fail = false;
    await expect(intake.submit([visit('a1'), visit('a2'), visit('a3')], PRESENT)).resolves.toMatchObject({
      inserted: 1,
      duplicates: 2,
    });
    // Acted on once: a third sending is a plain repeat.
    await intake.submit([visit('a1')], PRESENT);
    expect(acted).toEqual([['c1/a1', 'c1/a2', 'c1/a3']]);
  });
});
