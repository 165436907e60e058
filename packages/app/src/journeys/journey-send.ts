import {
  type ContactPolicy,
  isOfferValid,
  JOURNEY_MESSAGE_STEP,
  type Journey,
  type JourneyMessage,
  journeyMessageRunId,
  type MessageKey,
  type Offer,
  type QueuedContact,
  type RunCandidate,
  type SendDecision,
  type SendNode,
} from '@opencvm/core';
import { applyPolicy } from '../campaigns/run/apply-policy.ts';
import { arbitrateTarget } from '../campaigns/run/arbitrate.ts';
import { LeftAt } from '../campaigns/run/left-at.ts';
import { createRenderer, type RenderMessage } from '../campaigns/run/render.ts';

/**
 * A journey's send, through the same steps as a campaign run's message: consent and an offer the
 * customer may have (`apply-policy.ts`), the contact policy over every campaign's and journey's
 * messages (quiet hours move the send time, caps and cooldowns suppress), arbitration against
 * other campaigns' messages of the same local day (`arbitrate.ts`), and render (`render.ts`).
 * What is queued is also added to the customer's history for the rest of the batch, so two sends
 * decided together count against the same caps.
 */

export interface SendFacts {
  /** Per channel and purpose (`sms/marketing`): the batch's customers as targets. */
  readonly candidates: ReadonlyMap<string, ReadonlyMap<string, RunCandidate>>;
  readonly offers: ReadonlyMap<string, Offer>;
  /** Offer id → the batch's customers its eligibility selects (absent: everyone). */
  readonly eligible: ReadonlyMap<string, ReadonlySet<string>>;
  readonly policy: ContactPolicy;
  readonly timezone: string;
  readonly fallbackLocale: string;
  readonly today: string;
}

export const candidateKey = (channel: string, purpose: string): string => `${channel}/${purpose}`;

const NO_CONTACT_POINT = 'excluded:no_contact_point';

/** Sends of a batch: decides each one and collects the messages and withdrawals to write. */
export class JourneySender {
  readonly messages: JourneyMessage[] = [];
  readonly withdraw: MessageKey[] = [];
  /** Messages queued in this batch, per customer: history the store has not seen yet. */
  private readonly queued = new Map<string, QueuedContact[]>();
  private readonly renderers = new Map<string, RenderMessage>();

  constructor(private readonly facts: SendFacts) {}

  decide(journey: Journey, entryId: string, customerId: string, node: SendNode, now: Date): SendDecision {
    const { facts } = this;
    const known = facts.candidates.get(candidateKey(node.channel, journey.purpose))?.get(customerId);
    if (known === undefined) return { type: 'left', outcome: NO_CONTACT_POINT };
    const extra = this.queued.get(customerId);
    const candidate: RunCandidate =
      extra === undefined ? known : { ...known, history: [...known.history, ...extra] };
    // A send that names an offer makes it only to those it is valid and open to; one that names
    // none is a message alone (a welcome, a payment reminder): no value, no cooldown.
    const listed = node.offer === undefined ? undefined : facts.offers.get(node.offer);
    const offer =
      listed !== undefined &&
      isOfferValid(listed, facts.today) &&
      listed.channels.includes(node.channel) &&
      (facts.eligible.get(listed.id)?.has(customerId) ?? true)
        ? listed
        : null;
    const target = applyPolicy(
      { channel: node.channel, policy: facts.policy, timezone: facts.timezone, dueAt: now },
      candidate,
      offer,
      { offerRequired: node.offer !== undefined },
    );
    if (target instanceof LeftAt) return { type: 'left', outcome: target.outcome };
    const withdraw = arbitrateTarget(journey, target);
    if (withdraw instanceof LeftAt) return { type: 'left', outcome: withdraw.outcome };
    const content = this.renderer(journey, node)(target);
    if (content instanceof LeftAt) return { type: 'left', outcome: content.outcome };
    const runId = journeyMessageRunId(entryId, node.id);
    const sendAt = target.sendAt.toISOString();
    this.messages.push({
      entryId,
      journeyId: journey.id,
      node: node.id,
      customerId,
      channel: node.channel,
      purpose: journey.purpose,
      offerId: target.offer?.id ?? null,
      recipient: target.recipient,
      content,
      sendAt,
      priority: journey.priority,
      expectedValue: target.offer?.expectedValue ?? '0',
    });
    this.withdraw.push(...withdraw);
    const contact: QueuedContact = {
      at: target.sendAt,
      channel: node.channel,
      offerId: target.offer?.id ?? null,
      campaignId: journey.id,
      priority: journey.priority,
      expectedValue: target.offer?.expectedValue ?? '0',
      runId,
      step: JOURNEY_MESSAGE_STEP,
      pending: true,
    };
    this.queued.set(customerId, [...(extra ?? []), contact]);
    return { type: 'queued', sendAt: target.sendAt };
  }

  private renderer(journey: Journey, node: SendNode): RenderMessage {
    const key = `${journey.id}\u0000${node.id}`;
    let render = this.renderers.get(key);
    if (render === undefined) {
      const content = node.content;
      if (content === undefined) throw new Error(`journey ${journey.id}: send ${node.id} has no content`);
      render = createRenderer({
        campaign: { id: journey.id, name: journey.name, content },
        fallbackLocale: this.facts.fallbackLocale,
      });
      this.renderers.set(key, render);
    }
    return render;
  }
}
