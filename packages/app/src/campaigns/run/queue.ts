import type {
  Campaign,
  HistoryRow,
  MessageKey,
  Offer,
  OutboxRow,
  RenderedContent,
  Store,
} from '@opencvm/core';
import type { Contactable } from './apply-policy.ts';
import { LeftAt } from './left-at.ts';

/**
 * Steps: volume cap and outbox. At most `volumeCap` messages are queued per run, counted in the
 * order targets are decided (the order of their campaign holdout bucket, then id: the `seq` of
 * `run_members`), so those past the cap (`suppressed:volume_cap`) are the same on every attempt and
 * not biased towards low ids. Each page's history and outbox rows, and the withdrawals its
 * arbitration won, are written in one transaction while the next page is decided; every write
 * skips what the run already wrote, so a resumed run adds nothing twice. A dry run writes nothing.
 */

/** The outbox step of a one-message campaign; multi-step journeys will add their own. */
export const MESSAGE_STEP = 'message';

const VOLUME_CAPPED = new LeftAt('volume_cap', 'suppressed:volume_cap');

export interface RunQueueOptions {
  readonly store: Store;
  readonly runId: string;
  readonly campaign: Campaign;
  readonly dryRun: boolean;
  /** When the rows are recorded: the run's start. */
  readonly at: Date;
}

export class RunQueue {
  private queued = 0;
  private history: HistoryRow[] = [];
  private outbox: OutboxRow[] = [];
  private withdraw: MessageKey[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: RunQueueOptions) {}

  /** A target that left the run at an earlier step: its history row says why. */
  leave(customerId: string, offer: Offer | null, outcome: string): void {
    this.history.push({ customerId, outcome, offerId: offer?.id ?? null, sendAt: null });
  }

  /** Queues a target's message, unless the run's volume cap is reached. */
  enqueue(target: Contactable, content: RenderedContent, withdraw: readonly MessageKey[]): LeftAt | null {
    const { campaign } = this.options;
    if (campaign.volumeCap !== undefined && this.queued >= campaign.volumeCap) return VOLUME_CAPPED;
    this.queued += 1;
    const { candidate, offer } = target;
    const sendAt = target.sendAt.toISOString();
    const offerId = offer?.id ?? null;
    this.history.push({ customerId: candidate.customerId, outcome: 'queued', offerId, sendAt });
    this.outbox.push({
      customerId: candidate.customerId,
      step: MESSAGE_STEP,
      offerId,
      recipient: target.recipient,
      content,
      sendAt,
      priority: campaign.priority,
      expectedValue: offer?.expectedValue ?? '0',
    });
    this.withdraw.push(...withdraw);
    return null;
  }

  /** Starts writing the page decided so far, once the previous page is written. */
  async endPage(): Promise<void> {
    const { history, outbox, withdraw } = this;
    this.history = [];
    this.outbox = [];
    this.withdraw = [];
    if (this.options.dryRun) return;
    const { store, runId, campaign, at } = this.options;
    // One page is written while the next is decided; a failed write stops the run at the next page.
    await this.writing;
    this.writing = store.runs.writeOutcomes({
      runId,
      campaignId: campaign.id,
      channel: campaign.channel,
      purpose: campaign.purpose,
      at,
      history,
      outbox,
      withdraw,
    });
    this.writing.catch(() => undefined);
  }

  /** Waits for the last page's write. */
  async drain(): Promise<void> {
    await this.writing;
  }
}
