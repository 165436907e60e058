import { type ArbitrationCandidate, arbitrate, type Campaign, type MessageKey, todayIn } from '@opencvm/core';
import type { Contactable } from './apply-policy.ts';
import { LeftAt } from './left-at.ts';

/**
 * Step: arbitration. A customer gets at most one marketing message per local day from different
 * campaigns. Another campaign's message for the same local day that is already on its way (being
 * sent, sent) wins. One still pending is weighed against this one by priority × expected value
 * (`arbitrate`): if it wins, this one leaves with `suppressed:arbitration`; if this one wins, the
 * queue step withdraws it (cancelled, its history `suppressed:arbitration`) in the same
 * transaction that queues this one.
 */

const ARBITRATED = new LeftAt('arbitration', 'suppressed:arbitration');
const NOTHING_TO_WITHDRAW: readonly MessageKey[] = [];

/** The weaker pending messages of other campaigns this one replaces, or why it gives way. */
export const arbitrateTarget = (
  campaign: Pick<Campaign, 'id' | 'priority'>,
  target: Contactable,
): readonly MessageKey[] | LeftAt => {
  const { candidate, zone } = target;
  let rivals: Map<string, ArbitrationCandidate> | null = null;
  let withdraw: MessageKey[] | null = null;
  // The local day is worked out only for customers with other messages: it costs a time zone
  // conversion, and most targets have none.
  let day: string | null = null;
  for (const contact of candidate.history) {
    if (contact.campaignId === campaign.id) continue;
    day ??= todayIn({ now: target.sendAt, timezone: zone });
    if (todayIn({ now: contact.at, timezone: zone }) !== day) continue;
    // What is already on its way cannot be taken back: it has the customer's day.
    if (!contact.pending) return ARBITRATED;
    withdraw ??= [];
    withdraw.push({ runId: contact.runId, customerId: candidate.customerId, step: contact.step });
    rivals ??= new Map();
    if (rivals.has(contact.campaignId)) continue;
    rivals.set(contact.campaignId, {
      campaignId: contact.campaignId,
      priority: contact.priority,
      expectedValue: contact.expectedValue,
    });
  }
  if (rivals !== null) {
    const ours: ArbitrationCandidate = {
      campaignId: campaign.id,
      priority: campaign.priority,
      expectedValue: target.offer?.expectedValue ?? '0',
    };
    if (arbitrate([ours, ...rivals.values()])?.winner.campaignId !== campaign.id) return ARBITRATED;
  }
  return withdraw ?? NOTHING_TO_WITHDRAW;
};
