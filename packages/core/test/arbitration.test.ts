import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArbitrationCandidate, arbitrate, arbitrationScore } from '../src/campaigns/arbitration.ts';
import {
  ContactOutcome,
  type ContactOutcomeParts,
  formatContactOutcome,
  parseContactOutcome,
} from '../src/campaigns/contact-history.ts';

const candidate = (campaignId: string, priority: number, expectedValue: string): ArbitrationCandidate => ({
  campaignId,
  priority,
  expectedValue,
});

const winnerOf = (candidates: readonly ArbitrationCandidate[]): string | undefined =>
  arbitrate(candidates)?.winner.campaignId;

describe('arbitrate', () => {
  it('picks the highest priority × expected value and suppresses the rest, best first', () => {
    const result = arbitrate([
      candidate('win-back', 2, '150'), // 300
      candidate('upsell', 5, '80.5'), // 402.5
      candidate('welcome', 1, '399.99'), // 399.99
    ]);
    expect(result).toEqual({
      winner: candidate('upsell', 5, '80.5'),
      losers: [
        { candidate: candidate('welcome', 1, '399.99'), outcome: 'suppressed:arbitration' },
        { candidate: candidate('win-back', 2, '150'), outcome: 'suppressed:arbitration' },
      ],
    });
  });

  it('compares money exactly where floating point would not', () => {
    // 3 × 0.1 is 0.30000000000000004 in floating point, so a float comparison would pick "three".
    expect(arbitrationScore(candidate('three', 3, '0.1'))).toBe(arbitrationScore(candidate('one', 1, '0.3')));
    expect(winnerOf([candidate('three', 3, '0.1'), candidate('one', 1, '0.3')])).toBe('three');
    expect(winnerOf([candidate('a', 1, '0.0001'), candidate('b', 1, '0')])).toBe('a');
    // Beyond 2^53 units, where doubles stop telling neighbours apart.
    expect(
      winnerOf([candidate('a', 1000, '99999999999999.9999'), candidate('b', 1000, '99999999999999.9998')]),
    ).toBe('a');
    expect(winnerOf([candidate('neg', 1, '-5'), candidate('zero', 1, '0')])).toBe('zero');
  });

  it('breaks ties by the higher priority, then by the smaller campaign id', () => {
    expect(winnerOf([candidate('a', 1, '20'), candidate('b', 2, '10')])).toBe('b');
    expect(winnerOf([candidate('b', 2, '10'), candidate('a', 1, '20')])).toBe('b');
    expect(winnerOf([candidate('c', 2, '10.00'), candidate('b', 2, '10')])).toBe('b');
    expect(winnerOf([candidate('B', 0, '10'), candidate('a', 0, '99')])).toBe('B'); // code-unit order
    expect(winnerOf([candidate('a', 0, '5'), candidate('b', 3, '0')])).toBe('b');
  });

  it('does not depend on the order candidates arrive in', () => {
    const candidates = fc.uniqueArray(
      fc.record({
        campaignId: fc.string({ minLength: 1, maxLength: 4 }),
        priority: fc.integer({ min: 0, max: 5 }),
        expectedValue: fc.integer({ min: -500, max: 500 }).map((cents) => (cents / 100).toFixed(2)),
      }),
      { selector: (c) => c.campaignId, minLength: 1, maxLength: 8 },
    );
    fc.assert(
      fc.property(candidates, fc.context(), (list, ctx) => {
        const result = arbitrate(list);
        const reversed = arbitrate([...list].reverse());
        ctx.log(JSON.stringify(result));
        expect(reversed).toEqual(result);
        expect(result?.losers).toHaveLength(list.length - 1);
        const best = result?.winner;
        if (best === undefined) throw new Error('a non-empty list has a winner');
        for (const { candidate: loser } of result?.losers ?? []) {
          expect(arbitrationScore(loser) <= arbitrationScore(best)).toBe(true);
        }
      }),
    );
  });

  it('has nothing to choose from an empty list and refuses two entries for one campaign', () => {
    expect(arbitrate([])).toBeNull();
    expect(() => arbitrate([candidate('a', 1, '1'), candidate('a', 2, '1')])).toThrow(/one per campaign/);
  });

  it('keeps the caller’s own fields on the winner and the losers', () => {
    const result = arbitrate([
      { ...candidate('a', 1, '1'), offerId: 'o-1' },
      { ...candidate('b', 1, '2'), offerId: 'o-2' },
    ]);
    expect(result?.winner.offerId).toBe('o-2');
    expect(result?.losers[0]?.candidate.offerId).toBe('o-1');
  });

  it('parses candidates at the edge', () => {
    expect(ArbitrationCandidate.safeParse(candidate('a', 1, '12.50')).success).toBe(true);
    expect(ArbitrationCandidate.safeParse(candidate('a', 1, '1e3')).success).toBe(false);
    expect(ArbitrationCandidate.safeParse(candidate('a', 1, '0.00001')).success).toBe(false);
    expect(ArbitrationCandidate.safeParse(candidate('a', 1.5, '1')).success).toBe(false);
    expect(ArbitrationCandidate.safeParse(candidate('a', -1, '1')).success).toBe(false);
    expect(ArbitrationCandidate.safeParse(candidate('', 1, '1')).success).toBe(false);
  });
});

describe('contact history outcomes', () => {
  it('round-trips every outcome between its text and its parts', () => {
    for (const text of ContactOutcome.options) {
      const parsed = parseContactOutcome(text);
      if (!parsed.ok) throw new Error(text);
      expect(formatContactOutcome(parsed.value)).toBe(text);
    }
    expect(ContactOutcome.options).toEqual(
      expect.arrayContaining([
        'ucg',
        'control',
        'excluded:no_consent',
        'excluded:no_contact_point',
        'excluded:stop_list',
        'suppressed:stop_list',
        'suppressed:cooldown',
        'suppressed:cap:sms:day',
        'suppressed:cap:total:month',
        'suppressed:arbitration',
        'queued',
        'sent',
        'delivered',
        'failed',
      ]),
    );
  });

  it('takes outcomes apart by type', () => {
    const parts: ContactOutcomeParts[] = [
      { type: 'ucg' },
      { type: 'excluded', reason: 'no_consent' },
      { type: 'suppressed', rule: 'cap:email:week' },
    ];
    expect(parts.map(formatContactOutcome)).toEqual([
      'ucg',
      'excluded:no_consent',
      'suppressed:cap:email:week',
    ]);
    expect(parseContactOutcome('suppressed:cap:push:day')).toEqual({
      ok: true,
      value: { type: 'suppressed', rule: 'cap:push:day' },
    });
  });

  it('refuses text outside the vocabulary', () => {
    for (const text of [
      '',
      'excluded',
      'excluded:',
      'excluded:tired',
      'suppressed:cap:fax:day',
      'SENT',
      ':ucg',
    ]) {
      expect(parseContactOutcome(text)).toEqual({ ok: false, error: { type: 'unknown_outcome', text } });
      expect(ContactOutcome.safeParse(text).success).toBe(false);
    }
  });
});
