import { type MessageKey, type RenderedContent, type Store, smsEncoding } from '@opencvm/core';
import { ADAPTERS } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import type { Contactable } from '../../../src/campaigns/run/apply-policy.ts';
import { MESSAGE_STEP, RunQueue } from '../../../src/campaigns/run/queue.ts';
import { campaignOf, candidateOf, NOW, offerOf, schema, startRun } from './run-fixtures.ts';

const offer = offerOf({ expectedValue: '2.5' });
const content: RenderedContent = {
  type: 'sms',
  locale: 'en',
  text: 'Hello',
  sms: smsEncoding('Hello'),
  warnings: [],
};
const target = (customerId: string): Contactable => ({
  candidate: candidateOf({ customerId }),
  offer,
  recipient: `+49170${customerId}`,
  zone: 'Europe/Berlin',
  sendAt: new Date('2026-01-15T11:00:00.000Z'),
});

/** Queues the customers in order as the workflow does: those past the cap leave with their reason. */
const queueAll = async (
  queue: RunQueue,
  customerIds: readonly string[],
  withdraw: readonly MessageKey[] = [],
): Promise<readonly (string | null)[]> => {
  const outcomes = customerIds.map((id) => {
    const left = queue.enqueue(target(id), content, withdraw);
    if (left !== null) queue.leave(id, offer, left.outcome);
    return left === null ? null : `${left.step}/${left.outcome}`;
  });
  await queue.endPage();
  await queue.drain();
  return outcomes;
};

const queueFor = (
  store: Store,
  options: { runId: string; campaign: ReturnType<typeof campaignOf>; dryRun?: boolean },
) =>
  new RunQueue({
    store,
    runId: options.runId,
    campaign: options.campaign,
    dryRun: options.dryRun ?? false,
    at: NOW,
  });

for (const adapter of ADAPTERS) {
  describe(`the volume cap and outbox steps on ${adapter.name}`, () => {
    it('queues targets in the order decided up to the volume cap; the rest leave at volume_cap', async () => {
      await using test = await adapter.open(schema);
      const { store } = test;
      const campaign = campaignOf({ id: 'capped', volumeCap: 2 });
      await startRun(store, { runId: 'r1', campaign });
      const outcomes = await queueAll(queueFor(store, { runId: 'r1', campaign }), ['c-3', 'c-1', 'c-2']);
      expect(outcomes).toEqual([null, null, 'volume_cap/suppressed:volume_cap']);
      const history = await store.runs.history('r1');
      expect(Object.fromEntries(history.map((entry) => [entry.customerId, entry.outcome]))).toEqual({
        'c-3': 'queued',
        'c-1': 'queued',
        'c-2': 'suppressed:volume_cap',
      });
      const outbox = await store.runs.outbox('r1');
      expect(outbox.map((message) => message.customerId).sort()).toEqual(['c-1', 'c-3']);
      expect(outbox.find((message) => message.customerId === 'c-3')).toMatchObject({
        step: MESSAGE_STEP,
        offerId: offer.id,
        recipient: '+49170c-3',
        content,
        sendAt: '2026-01-15T11:00:00.000Z',
        priority: campaign.priority,
        status: 'pending',
      });
    });

    it('withdraws the messages arbitration won against, and adds nothing when the run is resumed', async () => {
      await using test = await adapter.open(schema);
      const { store } = test;
      const rival = campaignOf({ id: 'rival', priority: 100 });
      const campaign = campaignOf({ id: 'spring-sale', priority: 900 });
      await startRun(store, { runId: 'r-rival', campaign: rival });
      await queueAll(queueFor(store, { runId: 'r-rival', campaign: rival }), ['c-1']);
      await startRun(store, { runId: 'r1', campaign });
      const withdraw = [{ runId: 'r-rival', customerId: 'c-1', step: MESSAGE_STEP }];
      await queueAll(queueFor(store, { runId: 'r1', campaign }), ['c-1'], withdraw);

      expect(await store.runs.outbox('r-rival')).toMatchObject([{ customerId: 'c-1', status: 'cancelled' }]);
      expect(await store.runs.history('r-rival')).toMatchObject([
        { customerId: 'c-1', outcome: 'suppressed:arbitration' },
      ]);
      expect(await store.runs.outbox('r1')).toMatchObject([{ customerId: 'c-1', status: 'pending' }]);

      // The same decisions again, as a resumed run makes them: nothing is written twice.
      await queueAll(queueFor(store, { runId: 'r1', campaign }), ['c-1'], withdraw);
      expect(await store.runs.history('r1')).toHaveLength(1);
      expect(await store.runs.outbox('r1')).toHaveLength(1);
    });

    it('writes nothing for a dry run', async () => {
      await using test = await adapter.open(schema);
      const { store } = test;
      const campaign = campaignOf({ id: 'spring-sale', volumeCap: 1 });
      await startRun(store, { runId: 'dry', campaign, dryRun: true });
      const outcomes = await queueAll(queueFor(store, { runId: 'dry', campaign, dryRun: true }), [
        'c-1',
        'c-2',
      ]);
      // The cap is counted all the same: a dry run's funnel is the real one's.
      expect(outcomes[1]).toBe('volume_cap/suppressed:volume_cap');
      expect(await store.runs.history('dry')).toEqual([]);
      expect(await store.runs.outbox('dry')).toEqual([]);
    });
  });
}
