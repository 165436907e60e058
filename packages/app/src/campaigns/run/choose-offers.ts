import {
  arbitrate,
  type Campaign,
  type Offer,
  type SavedSegment,
  type SegmentQuery,
  type Store,
} from '@opencvm/core';

/**
 * The offers a run makes: among the campaign's valid offers for its channel, each target gets the
 * best one (arbitration's order) whose eligibility they meet. Eligibility is one SQL statement per
 * offer over the run's targets, never a customer at a time; the consent step turns away a target
 * eligible for none (`excluded:not_eligible`).
 */

/** The campaign's valid offers for its channel, best first by arbitration's rule. */
export const rankOffers = (campaign: Campaign, offers: readonly Offer[], today: string): readonly Offer[] => {
  const usable = offers.filter(
    (offer) =>
      campaign.offers.includes(offer.id) &&
      offer.channels.includes(campaign.channel) &&
      offer.validFrom <= today &&
      (offer.validTo === undefined || today <= offer.validTo),
  );
  const chosen = arbitrate(
    usable.map((offer) => ({
      campaignId: offer.id,
      priority: offer.priority,
      expectedValue: offer.expectedValue,
    })),
  );
  if (chosen === null) return [];
  const order = [chosen.winner, ...chosen.losers.map((loser) => loser.candidate)];
  return order.flatMap((candidate) => usable.filter((offer) => offer.id === candidate.campaignId));
};

/** The campaign's best valid offer for its channel, eligibility aside. */
export const chooseOffer = (campaign: Campaign, offers: readonly Offer[], today: string): Offer | null =>
  rankOffers(campaign, offers, today)[0] ?? null;

export interface OfferEligibilityInput {
  readonly store: Store;
  readonly runId: string;
  /** `rankOffers`'s order. */
  readonly ranked: readonly Offer[];
  /** The audience's query: its clock and saved segments are the eligibility rules' too. */
  readonly query: SegmentQuery;
  readonly saved: ReadonlyMap<string, SavedSegment>;
}

/** Each target's offer: the best ranked one they are eligible for; null when none. */
export type OfferFor = (customerId: string) => Offer | null;

/** Step: offer eligibility, one statement per offer that has any, before the targets are read. */
export const offerEligibility = async (input: OfferEligibilityInput): Promise<OfferFor> => {
  const { ranked, saved, query } = input;
  const eligible = new Map<string, ReadonlySet<string>>();
  for (const offer of ranked) {
    if (offer.eligibility === undefined) continue;
    const eligibility =
      offer.eligibility.type === 'rule' ? offer.eligibility.rule : saved.get(offer.eligibility.segment)?.rule;
    // A deleted eligibility segment makes the offer eligible to no one rather than to everyone.
    eligible.set(
      offer.id,
      eligibility === undefined
        ? new Set()
        : await input.store.runs.eligibleTargets({
            runId: input.runId,
            query: { ...query, rule: eligibility },
          }),
    );
  }
  return (customerId) => ranked.find((offer) => eligible.get(offer.id)?.has(customerId) ?? true) ?? null;
};
