/**
 * Outbox statuses. `pending` waits for its send time (or its next attempt after a temporary
 * failure); `sending` is claimed by a dispatcher until its lease ends; `sent` is accepted by the
 * gateway; `delivered` / `failed` may follow from a receipt; `failed` and `bounced` are final;
 * `cancelled` was withdrawn before it was sent (an opt-out, a better campaign).
 */
export const OUTBOX_STATUSES = [
  'pending',
  'sending',
  'sent',
  'delivered',
  'failed',
  'bounced',
  'cancelled',
] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** An outbox row a dispatcher claimed: it alone sends it until `leaseUntil`. */
export interface ClaimedMessage {
  readonly runId: string;
  readonly customerId: string;
  readonly step: string;
  readonly campaignId: string;
  readonly channel: string;
  readonly purpose: string;
  readonly recipient: string;
  readonly content: unknown;
  /** This attempt's number, 1 on the first. */
  readonly attempt: number;
  /** The attempt before this one was claimed and never recorded: the dispatcher stopped mid-send. */
  readonly inDoubt: boolean;
}

/** What became of one claimed message. */
export interface SendOutcome {
  readonly runId: string;
  readonly customerId: string;
  readonly step: string;
  readonly status: 'sent' | 'retry' | 'failed' | 'bounced';
  readonly providerId: string | null;
  readonly reason: string | null;
  /** For `retry`: when to try again. */
  readonly nextAttemptAt: Date | null;
  readonly at: Date;
}

/** A gateway's delivery receipt, kept until it matches the message it names. */
export interface StoredReceipt {
  readonly channel: string;
  readonly providerId: string;
  readonly status: 'delivered' | 'failed';
  readonly reason: string | null;
  readonly at: Date;
}

/** A withdrawal of consent (or its renewal) and where it came from. */
export interface ConsentChange {
  readonly channel: string;
  readonly purpose: string;
  readonly consent: boolean;
  /** `unsubscribe_link`, `sms_stop`, … */
  readonly source: string;
  readonly detail: string | null;
  readonly at: Date;
}

export interface DeadLetter {
  readonly runId: string;
  readonly customerId: string;
  readonly step: string;
  readonly campaignId: string;
  readonly channel: string;
  readonly recipient: string;
  readonly status: 'failed' | 'bounced';
  readonly attempts: number;
  readonly reason: string | null;
  readonly failedAt: string | null;
}

export interface RunDelivery {
  readonly runId: string;
  /** Outbox rows by status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Failed and bounced rows by reason, most frequent first. */
  readonly failures: readonly { readonly reason: string; readonly count: number }[];
  /** Customers of the run who withdrew consent after it sent to them. */
  readonly unsubscribed: number;
  /** Per channel: messages accepted by the gateway and the span they took. */
  readonly channels: readonly {
    readonly channel: string;
    readonly sent: number;
    readonly firstSentAt: string | null;
    readonly lastSentAt: string | null;
    readonly perSecond: number | null;
  }[];
}

/**
 * What the dispatcher needs of the outbox: claims under a lease, outcomes written in batches,
 * receipts matched by the gateway's message id, consent withdrawn with the pending messages it
 * stops, and the dead letters.
 */
export interface DeliveryStore {
  /**
   * Claims up to `limit` due messages of a channel (pending and due, or `sending` whose lease
   * ended) for `claimant` until `leaseUntil`, best first (priority, then send time).
   */
  claimDue(options: {
    readonly channel: string;
    readonly now: Date;
    readonly limit: number;
    readonly claimant: string;
    readonly leaseUntil: Date;
  }): Promise<readonly ClaimedMessage[]>;
  /** Ends the leases of every `sending` message: only when no other dispatcher can be running. */
  expireClaims(now: Date): Promise<number>;
  /**
   * Writes outcomes of messages the claimant still holds, with the delivery status of their
   * contact history rows, in one transaction; returns how many it wrote.
   */
  recordOutcomes(claimant: string, outcomes: readonly SendOutcome[]): Promise<number>;
  /** Stores receipts and applies every stored one whose message is now known. */
  recordReceipts(receipts: readonly StoredReceipt[]): Promise<number>;
  /**
   * Records a consent change for the customers with this contact point (or id) and, when consent
   * is withdrawn, cancels their pending messages of that channel and purpose.
   */
  changeConsent(
    who: { readonly customerId: string } | { readonly channel: string; readonly contactPoint: string },
    change: ConsentChange,
  ): Promise<{ readonly customers: number; readonly cancelled: number }>;
  /** The earliest time a pending message of these channels becomes due; null when none. */
  nextDue(channels: readonly string[]): Promise<Date | null>;
  deadLetters(options: {
    readonly runId?: string | undefined;
    readonly channel?: string | undefined;
    readonly limit: number;
  }): Promise<readonly DeadLetter[]>;
  /** Makes failed (not bounced) messages pending again; returns how many. */
  requeue(options: {
    readonly runId?: string | undefined;
    readonly keys?: readonly { readonly runId: string; readonly customerId: string; readonly step: string }[];
    readonly now: Date;
  }): Promise<number>;
  runDelivery(runId: string): Promise<RunDelivery>;
  /** Outbox rows by channel and status over every run: what each channel has waiting, sent, failed. */
  outboxStatuses(): Promise<
    readonly { readonly channel: string; readonly status: string; readonly count: number }[]
  >;
  /** A workspace setting, created by `create` on first use (secrets such as the unsubscribe key). */
  setting(name: string, create: () => string): Promise<string>;
}
