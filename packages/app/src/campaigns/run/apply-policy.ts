import {
  applyContactPolicy,
  CHANNELS,
  type Channel,
  type ContactPolicy,
  type Offer,
  type PastContact,
  type RunCandidate,
} from '@opencvm/core';
import { LeftAt } from './left-at.ts';

/**
 * Steps: consent and contact policy, one target at a time in the core's pure rules.
 *
 * - consent: not on the stop list, consent to the campaign's channel and purpose, a contact point,
 *   and an offer they are eligible for;
 * - contact_policy: frequency caps, quiet hours and the offer's cooldown, over the messages already
 *   sent or queued (`RunCandidate.history`); quiet hours move the send time, the rest suppress.
 */

/** The global stop list: the customer list of this name (ids never to contact). */
export const STOP_LIST = 'stop_list';

/** Contact history reaches back this far for caps (a calendar month) and cooldowns. */
const HISTORY_DAYS = 32;
const DAY_MS = 86_400_000;

const STOP_LISTED = new LeftAt('consent', 'excluded:stop_list');
const NO_CONSENT = new LeftAt('consent', 'excluded:no_consent');
const NO_CONTACT_POINT = new LeftAt('consent', 'excluded:no_contact_point');
const NOT_ELIGIBLE = new LeftAt('consent', 'excluded:not_eligible');
/** The stop list is applied by the store (`stopListed`), not again per customer. */
const NO_STOP_LIST: ReadonlySet<string> = new Set();

const isChannel = (name: string): name is Channel => CHANNELS.some((channel) => channel === name);

/** How far back the targets' contact history is read: the longest of a month and the offers' cooldowns. */
export const historySince = (now: Date, offers: readonly Offer[]): Date => {
  const cooldownDays = Math.max(0, ...offers.map((offer) => offer.cooldownDays));
  return new Date(now.getTime() - (HISTORY_DAYS + cooldownDays) * DAY_MS);
};

export interface PolicyContext {
  /** The campaign's channel. */
  readonly channel: string;
  readonly policy: ContactPolicy;
  /** The workspace's time zone, for customers without their own. */
  readonly timezone: string;
  /** When the run is due: the send time, before quiet hours. */
  readonly dueAt: Date;
}

/**
 * A target the run may contact: with its offer (none for a journey's message that makes none),
 * the address, its time zone and the send time.
 */
export interface Contactable {
  readonly candidate: RunCandidate;
  readonly offer: Offer | null;
  readonly recipient: string;
  readonly zone: string;
  readonly sendAt: Date;
}

export const applyPolicy = (
  context: PolicyContext,
  candidate: RunCandidate,
  offer: Offer | null,
  /** A campaign's message is its offer: without one the target is not eligible. A journey's may make none. */
  options: { readonly offerRequired: boolean } = { offerRequired: true },
): Contactable | LeftAt => {
  const { channel } = context;

  // Consent and contactability.
  if (candidate.stopListed) return STOP_LISTED;
  if (isChannel(channel) && candidate.consent !== true) return NO_CONSENT;
  const recipient = candidate.contactPoint;
  if (recipient === null || recipient === '') return NO_CONTACT_POINT;
  if (offer === null && options.offerRequired) return NOT_ELIGIBLE;

  // Contact policy (caps, quiet hours, cooldown) over what is already sent or queued.
  const zone = candidate.timezone ?? context.timezone;
  let sendAt = context.dueAt;
  if (isChannel(channel)) {
    const past: PastContact[] = [];
    for (const contact of candidate.history) {
      if (isChannel(contact.channel))
        past.push({ at: contact.at, channel: contact.channel, offerId: contact.offerId });
    }
    const decision = applyContactPolicy({
      policy: context.policy,
      customer: { id: candidate.customerId, timezone: zone, contactPoint: recipient },
      channel,
      offerId: offer?.id ?? null,
      dueAt: context.dueAt,
      history: past,
      cooldownDays: offer?.cooldownDays ?? 0,
      stopList: NO_STOP_LIST,
    });
    if (decision.type === 'suppressed') return new LeftAt('contact_policy', `suppressed:${decision.rule}`);
    sendAt = decision.sendAt;
  }
  return { candidate, offer, recipient, zone, sendAt };
};
