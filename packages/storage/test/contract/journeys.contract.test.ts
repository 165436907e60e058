import { JOURNEY_MESSAGE_STEP, journeyMessageRunId } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, testSchema } from './adapters.ts';
import {
  journeyOf,
  leftEntry,
  message,
  NO_CHANGES,
  NOW,
  sentStep,
  waitingEntry,
} from './journey-fixtures.ts';

/** Journey definitions, entries, their one-transaction changes and claims on every adapter. */

const schema = testSchema();
const later = (ms: number) => new Date(NOW.getTime() + ms);

for (const adapter of ADAPTERS) {
  describe(`journey store on ${adapter.name}`, () => {
    it('saves versions of a journey and refuses a stale one', async () => {
      await using test = await adapter.open(schema);
      const { journeys } = test.store;
      const first = await journeys.saveJourney(journeyOf(), { at: NOW, expectedVersion: null });
      expect(first).toMatchObject({ type: 'saved', stored: { version: 1, createdAt: NOW.toISOString() } });
      expect(await journeys.saveJourney(journeyOf(), { at: NOW, expectedVersion: null })).toMatchObject({
        type: 'conflict',
        current: { version: 1 },
      });
      const renamed = journeyOf({ name: 'Welcome, again' });
      const second = await journeys.saveJourney(renamed, { at: later(1000), expectedVersion: 1 });
      expect(second).toMatchObject({
        type: 'saved',
        stored: { version: 2, createdAt: NOW.toISOString(), updatedAt: later(1000).toISOString() },
      });
      expect(await journeys.saveJourney(journeyOf(), { at: NOW, expectedVersion: 1 })).toMatchObject({
        type: 'conflict',
        current: { version: 2, journey: { name: 'Welcome, again' } },
      });
      // Without an expected version it saves over whatever is there, or creates.
      expect(await journeys.saveJourney(journeyOf({ status: 'running' }), { at: NOW })).toMatchObject({
        type: 'saved',
        stored: { version: 3, journey: { status: 'running' } },
      });
      expect(await journeys.saveJourney(journeyOf({ id: 'other' }), { at: NOW })).toMatchObject({
        type: 'saved',
        stored: { version: 1 },
      });
      expect((await journeys.getJourneyVersion('welcome', 1))?.name).toBe('Welcome series');
      expect((await journeys.getJourneyVersion('welcome', 2))?.name).toBe('Welcome, again');
      expect(await journeys.getJourneyVersion('welcome', 9)).toBeNull();
      expect((await journeys.listJourneys()).map((stored) => stored.journey.id)).toEqual([
        'other',
        'welcome',
      ]);
      expect(await journeys.getJourney('nope')).toBeNull();
    });

    it('inserts entries once per key and once at a time per customer, in the batch too', async () => {
      await using test = await adapter.open(schema);
      const { journeys } = test.store;
      const first = await journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        entries: [
          waitingEntry('e1', 'c1', { key: 'k1' }),
          // The same customer again in one batch: already active.
          waitingEntry('e2', 'c1', { key: 'k2' }),
          // A customer who left at once may enter again by another key, in the same batch.
          leftEntry('e3', 'c2', 'holdout'),
          waitingEntry('e4', 'c2', { key: 'k4' }),
        ],
      });
      expect([...first.written].sort()).toEqual(['e1', 'e3', 'e4']);
      const again = await journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        entries: [
          // Same key as e1 (after it has left, it still may not come back by that key).
          waitingEntry('e5', 'c1', { key: 'k1' }),
          waitingEntry('e6', 'c3', { key: 'k1' }),
          waitingEntry('e1', 'c9', { key: 'other' }),
        ],
      });
      expect([...again.written]).toEqual(['e6']);
      const entry = await journeys.getEntry('e1');
      expect(entry).toEqual({
        id: 'e1',
        journeyId: 'welcome',
        version: 1,
        customerId: 'c1',
        key: 'k1',
        group: 'treated',
        enteredAt: NOW.toISOString(),
        status: 'active',
        position: {
          node: 'pause',
          since: NOW.toISOString(),
          wakeAt: '2026-01-16T10:00:00.000Z',
          awaiting: null,
        },
        memory: { sent: { hello: NOW.toISOString() }, paths: {} },
        exitReason: null,
        exitNode: null,
        exitDetail: null,
        leftAt: null,
        rev: 0,
      });
      expect(await journeys.getEntry('e3')).toMatchObject({
        status: 'left',
        position: null,
        exitReason: 'holdout',
      });
      expect((await journeys.activeEntries(['c1', 'c2', 'c4'])).map((e) => e.id)).toEqual(['e1', 'e4']);
      expect(await journeys.lastEntered('welcome', ['c1', 'c5'])).toEqual(
        new Map([['c1', NOW.toISOString()]]),
      );
      expect(await journeys.enteredSince('welcome', NOW)).toBe(4);
      expect(await journeys.enteredSince('welcome', later(1))).toBe(0);
    });

    it('writes a change only over its revision, with its steps and message, once', async () => {
      await using test = await adapter.open(schema);
      const { journeys } = test.store;
      const changes = {
        ...NO_CHANGES,
        at: NOW,
        entries: [waitingEntry('e1', 'c1'), waitingEntry('e2', 'c2')],
        steps: [...sentStep('e1', 'c1'), ...sentStep('e2', 'c2')],
        messages: [message('e1', 'c1', '+4917001'), message('e2', 'c2', '+4917002')],
      };
      expect([...(await journeys.apply(changes)).written].sort()).toEqual(['e1', 'e2']);
      // The same input again (a retry after a crash): nothing twice.
      expect((await journeys.apply(changes)).written.size).toBe(0);
      const runId = journeyMessageRunId('e1', 'hello');
      const outbox = await test.store.runs.outbox(runId);
      expect(outbox).toEqual([
        {
          runId,
          customerId: 'c1',
          step: JOURNEY_MESSAGE_STEP,
          campaignId: 'welcome',
          offerId: null,
          channel: 'sms',
          purpose: 'marketing',
          recipient: '+4917001',
          content: { text: 'Hello' },
          status: 'pending',
          sendAt: NOW.toISOString(),
          priority: 500,
          expectedValue: '0',
        },
      ]);
      expect(await test.store.runs.history(runId)).toEqual([
        {
          customerId: 'c1',
          outcome: 'queued',
          offerId: null,
          sendAt: NOW.toISOString(),
          deliveryStatus: null,
        },
      ]);
      expect((await journeys.funnel('welcome')).nodes.find((n) => n.node === 'hello')?.reached).toBe(2);

      const moved = (id: string, rev: number) => ({
        id,
        rev,
        status: 'active' as const,
        position: {
          node: 'pause',
          since: NOW.toISOString(),
          wakeAt: later(3_600_000).toISOString(),
          awaiting: null,
        },
        memory: { sent: { hello: NOW.toISOString() }, paths: { ab: 'a' } },
        exit: null,
      });
      const stale = await journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        updates: [moved('e1', 0), moved('e2', 5)],
        steps: [
          {
            entryId: 'e1',
            journeyId: 'welcome',
            version: 1,
            customerId: 'c1',
            node: 'ab',
            at: NOW.toISOString(),
            outcome: 'a',
          },
          {
            entryId: 'e2',
            journeyId: 'welcome',
            version: 1,
            customerId: 'c2',
            node: 'ab',
            at: NOW.toISOString(),
            outcome: 'a',
          },
        ],
        messages: [{ ...message('e2', 'c2'), node: 'again' }],
      });
      expect([...stale.written]).toEqual(['e1']);
      expect(await journeys.getEntry('e1')).toMatchObject({ rev: 1, memory: { paths: { ab: 'a' } } });
      expect(await journeys.getEntry('e2')).toMatchObject({ rev: 0, memory: { paths: {} } });
      expect(await test.store.runs.outbox(journeyMessageRunId('e2', 'again'))).toEqual([]);
      const funnel = await journeys.funnel('welcome');
      expect(funnel.nodes.find((n) => n.node === 'ab')).toEqual({
        node: 'ab',
        reached: 1,
        here: 0,
        outcomes: { a: 1 },
      });
      // A left entry keeps where it left.
      await journeys.apply({
        ...NO_CHANGES,
        at: later(5),
        updates: [
          {
            id: 'e1',
            rev: 1,
            status: 'left',
            position: null,
            memory: { sent: {}, paths: {} },
            exit: { reason: 'goal', node: 'pause', detail: null, at: later(5).toISOString() },
          },
        ],
      });
      expect(await journeys.getEntry('e1')).toMatchObject({
        status: 'left',
        position: null,
        exitReason: 'goal',
        exitNode: 'pause',
        leftAt: later(5).toISOString(),
        rev: 2,
      });
    });

    it('queues journey messages the dispatcher claims like any other', async () => {
      await using test = await adapter.open(schema);
      await test.store.journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        entries: [waitingEntry('e1', 'c1')],
        steps: sentStep('e1', 'c1'),
        messages: [message('e1', 'c1', '+4917001')],
      });
      const claimed = await test.store.delivery.claimDue({
        channel: 'sms',
        now: later(1000),
        limit: 10,
        claimant: 'd1',
        leaseUntil: later(60_000),
      });
      expect(claimed).toMatchObject([
        {
          runId: 'journey:e1:hello',
          customerId: 'c1',
          step: 'message',
          campaignId: 'welcome',
          recipient: '+4917001',
        },
      ]);
      expect(await test.store.journeys.messageStatuses(['journey:e1:hello', 'journey:x:y'])).toEqual(
        new Map([['journey:e1:hello', 'sending']]),
      );
    });

    it('withdraws weaker pending messages only when its own are queued', async () => {
      await using test = await adapter.open(schema);
      const { journeys } = test.store;
      await journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        entries: [waitingEntry('e0', 'c1')],
        messages: [message('e0', 'c1')],
      });
      const weaker = { runId: 'journey:e0:hello', customerId: 'c1', step: 'message' };
      // Its entry is not written: nothing of it happens, the weaker message stays.
      await journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        entries: [waitingEntry('e9', 'c1', { journeyId: 'welcome' })],
        messages: [message('e9', 'c1')],
        withdraw: [weaker],
      });
      expect((await test.store.runs.outbox('journey:e0:hello'))[0]?.status).toBe('pending');
      await journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        entries: [{ ...waitingEntry('f1', 'c1'), journeyId: 'other' }],
        messages: [{ ...message('f1', 'c1'), journeyId: 'other' }],
        withdraw: [weaker],
      });
      expect((await test.store.runs.outbox('journey:e0:hello'))[0]?.status).toBe('cancelled');
      expect((await test.store.runs.history('journey:e0:hello'))[0]).toMatchObject({
        outcome: 'suppressed:arbitration',
        deliveryStatus: 'cancelled',
      });
    });

    it('claims due entries under a lease, earliest first', async () => {
      await using test = await adapter.open(schema);
      const { journeys } = test.store;
      await journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        entries: [
          waitingEntry('e1', 'c1', { wakeAt: later(3000).toISOString() }),
          waitingEntry('e2', 'c2', { wakeAt: later(1000).toISOString() }),
          waitingEntry('e3', 'c3', { wakeAt: later(2000).toISOString() }),
          waitingEntry('e4', 'c4', { wakeAt: later(999_999).toISOString() }),
          leftEntry('e5', 'c5', 'holdout'),
        ],
      });
      expect(await journeys.nextWake()).toEqual(later(1000));
      const claim = (claimant: string, at: number, limit = 10) =>
        journeys.claimDue({ now: later(at), limit, claimant, leaseUntil: later(at + 60_000) });
      expect((await claim('w1', 5000, 2)).map((e) => e.id)).toEqual(['e2', 'e3']);
      expect((await claim('w2', 5000)).map((e) => e.id)).toEqual(['e1']);
      expect(await claim('w3', 6000)).toEqual([]);
      // A claim ends with the change written over it; a lease that ran out is claimed again.
      const e2 = await journeys.getEntry('e2');
      await journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        updates: [
          {
            id: 'e2',
            rev: e2?.rev ?? -1,
            status: 'active',
            position: {
              node: 'pause',
              since: NOW.toISOString(),
              wakeAt: later(7000).toISOString(),
              awaiting: null,
            },
            memory: { sent: {}, paths: {} },
            exit: null,
          },
        ],
      });
      expect((await claim('w3', 8000)).map((e) => e.id)).toEqual(['e2']);
      expect((await claim('w4', 70_000)).map((e) => e.id)).toEqual(['e3', 'e1', 'e2']);
    });

    it('gives concurrent claimants different entries', async () => {
      await using test = await adapter.open(schema);
      const { journeys } = test.store;
      await journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        entries: Array.from({ length: 40 }, (_, i) =>
          waitingEntry(`e${i}`, `c${i}`, { wakeAt: NOW.toISOString() }),
        ),
      });
      const claims = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          journeys.claimDue({ now: later(1), limit: 15, claimant: `w${i}`, leaseUntil: later(60_000) }),
        ),
      );
      const ids = claims.flat().map((entry) => entry.id);
      expect(ids).toHaveLength(40);
      expect(new Set(ids).size).toBe(40);
    });

    it('stops every active entry of a journey and deletes a journey with all it wrote', async () => {
      await using test = await adapter.open(schema);
      const { journeys } = test.store;
      await journeys.saveJourney(journeyOf(), { at: NOW, expectedVersion: null });
      await journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        entries: [waitingEntry('e1', 'c1'), waitingEntry('e2', 'c2'), leftEntry('e3', 'c3', 'ucg')],
        steps: sentStep('e1', 'c1'),
        messages: [message('e1', 'c1')],
      });
      await journeys.schedule(
        [{ journeyId: 'welcome', customerId: 'c7', key: 'date:x', dueAt: NOW.toISOString() }],
        {
          replace: false,
        },
      );
      expect(await journeys.stopEntries('welcome', later(10))).toBe(2);
      expect(await journeys.getEntry('e1')).toMatchObject({
        status: 'left',
        exitReason: 'stopped',
        exitNode: 'pause',
      });
      expect(await journeys.stopEntries('welcome', later(10))).toBe(0);
      expect(await journeys.deleteJourney('welcome')).toBe(true);
      expect(await journeys.deleteJourney('welcome')).toBe(false);
      expect(await journeys.getEntry('e1')).toBeNull();
      expect(await test.store.runs.outbox('journey:e1:hello')).toEqual([]);
      expect(await test.store.runs.history('journey:e1:hello')).toEqual([]);
      expect(await journeys.nextWake()).toBeNull();
      expect((await journeys.funnel('welcome')).nodes).toEqual([]);
    });
  });
}
