import type {
  AdapterKind,
  ChannelAdapter,
  DeliveryMessage,
  DeliveryReport,
  RenderedContent,
} from '@opencvm/core';
import type { HeldAnswer } from '../../testing/held-answer.ts';

/**
 * What the adapter contract needs of each channel: its real peer, the adapter built with real
 * options, ways to make the peer fail, and a reading of what the peer received. A channel that
 * lacks something the contract asks about (inbound messages, an answer that can be held) says
 * why in an `Absent` rather than leaving it out, so a new adapter has to decide.
 */

/** One message as the recipient got it. */
export interface PeerDelivery {
  readonly key: string;
  /** The recipient's address as the peer received it. */
  readonly to: string;
  /** What the recipient reads: see `readableText`. */
  readonly text: string;
  /** The id the peer gave the message; null where the channel gives none. */
  readonly providerId: string | null;
}

/** The text of rendered content that every channel carries to its recipient. */
export const readableText = (content: RenderedContent): string => {
  switch (content.type) {
    case 'sms':
      return content.text;
    case 'email':
      return content.text;
    case 'push':
      return content.body;
    case 'webhook':
      return JSON.stringify(content.payload);
  }
};

/** The reports an adapter passed to `onReport`, and a way to wait for one. */
export class ReportLog {
  readonly all: DeliveryReport[] = [];
  readonly #waiting: {
    match: (report: DeliveryReport) => boolean;
    found: (report: DeliveryReport) => void;
  }[] = [];

  readonly add = (report: DeliveryReport): void => {
    this.all.push(report);
    for (const waiter of this.#waiting.filter((candidate) => candidate.match(report))) {
      this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
      waiter.found(report);
    }
  };

  /** The first report that matches, passed already or yet to come (the test's timeout bounds the wait). */
  waitFor(match: (report: DeliveryReport) => boolean): Promise<DeliveryReport> {
    const earlier = this.all.find(match);
    if (earlier !== undefined) return Promise.resolve(earlier);
    return new Promise((found) => this.#waiting.push({ match, found }));
  }
}

export interface StartedAdapter {
  readonly adapter: ChannelAdapter;
  readonly reports: ReportLog;
}

export interface InjectedFailure {
  /** What the peer answers, in its own terms: `451 after DATA`, `ESME_RTHROTTLED`. */
  readonly name: string;
  /** Makes the peer refuse the next send of `message`, once. */
  inject(message: DeliveryMessage): Promise<void>;
  /** What the adapter's reason must say. */
  readonly reason: RegExp;
}

export interface TransientFailure extends InjectedFailure {
  /** The wait the peer asked for, where it asks for one. */
  readonly retryAfterMs?: number;
}

export interface PermanentFailure extends InjectedFailure {
  /** Whether the failure says the recipient does not exist. */
  readonly bounced: boolean;
}

/** Why a channel has no such thing. */
export interface Absent {
  readonly absent: string;
}

/** Messages from recipients, where the channel has them. */
export interface Inbound {
  /** The recipient of `message` answers it with `text`. */
  reply(message: DeliveryMessage, text: string): Promise<void>;
}

export interface RunningHarness extends AsyncDisposable {
  /** A new adapter instance on the peer, started, reports collected; closed with the harness. */
  adapter(): Promise<StartedAdapter>;
  /** A message of this channel to `customerId`, keyed `run-1:<customerId>:main`. */
  message(customerId: string): DeliveryMessage;
  /** The recipient's address as the peer receives it. */
  addressOf(message: DeliveryMessage): string;
  /** What reached the recipients, in order. */
  deliveries(): Promise<readonly PeerDelivery[]>;
  /**
   * Where repeats are dropped: by the peer, which recognises the key on the wire (`repeats`
   * counts the copies it dropped), or by the adapter, which knows what it already wrote (the
   * peer keeps every copy, so a repeat would show in `deliveries`).
   */
  readonly repeatsDroppedBy: 'peer' | 'adapter';
  repeats(): number;
  /** Whether the peer sends delivery receipts (to `onReport`). */
  readonly receipts: boolean;
  readonly transientFailures: readonly TransientFailure[];
  readonly permanentFailures: readonly PermanentFailure[];
  readonly inbound: Inbound | Absent;
  /** Holds the peer's answer to the next send, so the send can be aborted while it waits. */
  readonly holdNextAnswer: (() => HeldAnswer) | Absent;
}

export interface AdapterHarness {
  readonly kind: AdapterKind;
  start(): Promise<RunningHarness>;
}

/** Adapters made during a test, with their reports; all closed when it ends. */
export const adapterPool = (
  create: () => ChannelAdapter,
): { start(): Promise<StartedAdapter>; closeAll(): Promise<void> } => {
  const started: ChannelAdapter[] = [];
  return {
    async start() {
      const adapter = create();
      started.push(adapter);
      const reports = new ReportLog();
      await adapter.start(reports.add);
      return { adapter, reports };
    },
    async closeAll() {
      await Promise.all(started.splice(0).map((adapter) => adapter.close()));
    },
  };
};

export const baseMessage = (
  customerId: string,
  fields: Pick<DeliveryMessage, 'channel' | 'recipient' | 'content'>,
): DeliveryMessage => ({
  key: `run-1:${customerId}:main`,
  runId: 'run-1',
  campaignId: 'welcome',
  customerId,
  step: 'main',
  purpose: 'marketing',
  attempt: 1,
  ...fields,
});

/** A text with Cyrillic and a sign outside Latin-1, so each channel's encoding is exercised. */
export const GREETING = 'Привет, Анна! Ваш бонус 100 ₽ ждёт.';
