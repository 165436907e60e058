import type { QueuedContact } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import type { Contactable } from '../../../src/campaigns/run/apply-policy.ts';
import { arbitrateTarget } from '../../../src/campaigns/run/arbitrate.ts';
import { LeftAt } from '../../../src/campaigns/run/left-at.ts';
import { campaignOf, candidateOf, contactOf, offerOf } from './run-fixtures.ts';

const campaign = campaignOf({ id: 'spring-sale', priority: 500 });
const offer = offerOf({ expectedValue: '2.5' });

/** A target sent at 09:00 in Tokyo on 16 January, with these messages of other runs. */
const target = (history: readonly QueuedContact[]): Contactable => ({
  candidate: candidateOf({ timezone: 'Asia/Tokyo', history }),
  offer,
  recipient: '+491700000001',
  zone: 'Asia/Tokyo',
  sendAt: new Date('2026-01-16T00:00:00.000Z'),
});
/** 01:00 on 16 January in Tokyo. */
const sameDay = new Date('2026-01-15T16:00:00.000Z');

describe('the arbitration step', () => {
  it("lets a target through when no other campaign's message shares its local day", () => {
    const result = arbitrateTarget(
      campaign,
      target([
        // 23:00 on 15 January in Tokyo, though 16 January is the UTC day of neither.
        contactOf({ at: new Date('2026-01-15T14:00:00.000Z'), pending: false }),
        // The campaign's own earlier message is the contact policy's matter, not arbitration's.
        contactOf({ at: sameDay, campaignId: 'spring-sale', pending: false }),
      ]),
    );
    expect(result).toEqual([]);
  });

  it('gives way to a message already on its way that day', () => {
    const result = arbitrateTarget(
      campaign,
      target([contactOf({ at: sameDay, priority: 1, pending: false })]),
    );
    expect(result).toBeInstanceOf(LeftAt);
    expect(result).toMatchObject({ step: 'arbitration', outcome: 'suppressed:arbitration' });
  });

  it('withdraws weaker pending messages of that day and gives way to a stronger one', () => {
    const weaker = [
      contactOf({ at: sameDay, priority: 100, runId: 'r-a', campaignId: 'a' }),
      contactOf({ at: sameDay, priority: 100, runId: 'r-b', campaignId: 'b', step: 'reminder' }),
    ];
    expect(arbitrateTarget(campaign, target(weaker))).toEqual([
      { runId: 'r-a', customerId: 'c-1', step: 'message' },
      { runId: 'r-b', customerId: 'c-1', step: 'reminder' },
    ]);
    const stronger = arbitrateTarget(
      campaign,
      target([...weaker, contactOf({ at: sameDay, priority: 900 })]),
    );
    expect(stronger).toMatchObject({ step: 'arbitration', outcome: 'suppressed:arbitration' });
  });
});
