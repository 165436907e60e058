import { ContactPolicy } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { applyPolicy, historySince, type PolicyContext } from '../../../src/campaigns/run/apply-policy.ts';
import { LeftAt } from '../../../src/campaigns/run/left-at.ts';
import { candidateOf, contactOf, offerOf } from './run-fixtures.ts';

const policy = ContactPolicy.parse({
  caps: { sms: { day: 1 } },
  quietHours: { default: { from: '21:00', to: '09:00' } },
});
const context: PolicyContext = {
  channel: 'sms',
  policy,
  timezone: 'Europe/Berlin',
  dueAt: new Date('2026-01-15T10:00:00.000Z'),
};
const offer = offerOf({ cooldownDays: 7 });

const leftWith = (result: unknown): { step: string; outcome: string } | null =>
  result instanceof LeftAt ? { step: result.step, outcome: result.outcome } : null;

describe('the consent and contact policy steps', () => {
  it('turns away at consent the stop-listed, those without consent or a contact point, and those with no offer', () => {
    const cases = [
      [candidateOf({ stopListed: true, consent: false }), offer, 'excluded:stop_list'],
      [candidateOf({ consent: false }), offer, 'excluded:no_consent'],
      [candidateOf({ consent: null }), offer, 'excluded:no_consent'],
      [candidateOf({ contactPoint: null }), offer, 'excluded:no_contact_point'],
      [candidateOf({ contactPoint: '' }), offer, 'excluded:no_contact_point'],
      [candidateOf(), null, 'excluded:not_eligible'],
    ] as const;
    for (const [candidate, chosen, outcome] of cases) {
      expect(leftWith(applyPolicy(context, candidate, chosen))).toEqual({ step: 'consent', outcome });
    }
  });

  it('lets a reachable target through with its offer and address, sent when due outside quiet hours', () => {
    const candidate = candidateOf();
    const target = applyPolicy(context, candidate, offer);
    if (target instanceof LeftAt) throw new Error(`left at ${target.step}: ${target.outcome}`);
    expect(target).toEqual({
      candidate,
      offer,
      recipient: '+491700000001',
      zone: 'Europe/Berlin',
      sendAt: context.dueAt,
    });
  });

  it("moves a message due in quiet hours to their end in the customer's own zone", () => {
    const late = { ...context, dueAt: new Date('2026-01-15T21:30:00.000Z') };
    const sendAt = (timezone: string | null) => {
      const target = applyPolicy(late, candidateOf({ timezone }), offer);
      return target instanceof LeftAt ? target.outcome : target.sendAt.toISOString();
    };
    expect(sendAt(null)).toBe('2026-01-16T08:00:00.000Z');
    expect(sendAt('Asia/Tokyo')).toBe('2026-01-16T00:00:00.000Z');
    // 16:30 in New York: outside its quiet hours, sent when due.
    expect(sendAt('America/New_York')).toBe('2026-01-15T21:30:00.000Z');
  });

  it("suppresses at contact_policy a target over the day's cap or within the offer's cooldown", () => {
    const capped = candidateOf({ history: [contactOf({ at: new Date('2026-01-15T08:00:00.000Z') })] });
    expect(leftWith(applyPolicy(context, capped, offer))).toEqual({
      step: 'contact_policy',
      outcome: 'suppressed:cap:sms:day',
    });
    const cooling = candidateOf({
      history: [contactOf({ at: new Date('2026-01-12T10:00:00.000Z'), offerId: offer.id })],
    });
    expect(leftWith(applyPolicy(context, cooling, offer))).toEqual({
      step: 'contact_policy',
      outcome: 'suppressed:cooldown',
    });
    // A day later the cap is free again; the cooldown is over on the seventh day after.
    const yesterday = candidateOf({ history: [contactOf({ at: new Date('2026-01-14T10:00:00.000Z') })] });
    expect(applyPolicy(context, yesterday, offer)).not.toBeInstanceOf(LeftAt);
    const cooled = candidateOf({
      history: [contactOf({ at: new Date('2026-01-08T10:00:00.000Z'), offerId: offer.id })],
    });
    expect(applyPolicy(context, cooled, offer)).not.toBeInstanceOf(LeftAt);
  });

  it('reads contact history back a month and the longest cooldown of the offers', () => {
    const now = new Date('2026-03-01T00:00:00.000Z');
    expect(historySince(now, []).toISOString()).toBe('2026-01-28T00:00:00.000Z');
    expect(
      historySince(now, [offerOf({ cooldownDays: 7 }), offerOf({ id: 'b', cooldownDays: 30 })]).toISOString(),
    ).toBe('2025-12-29T00:00:00.000Z');
  });
});
