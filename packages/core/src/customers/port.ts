import type { FieldValue, NormalizedRow } from '../import/records.ts';

export interface CustomerEvent {
  readonly id: string;
  readonly type: string;
  readonly ts: string;
  readonly amount: string | null;
  readonly currency: string | null;
  readonly attributes: Readonly<Record<string, FieldValue>>;
}

export interface CustomerRelation {
  readonly direction: 'out' | 'in';
  readonly customerId: string;
  readonly kind: string;
  readonly weight: number;
}

export interface CustomerDetails {
  readonly customer: NormalizedRow;
  readonly lastEvents: readonly CustomerEvent[];
  readonly relations: readonly CustomerRelation[];
}

/** A customer a search found: contact points, locale and the first declared attributes. */
export interface CustomerMatch {
  readonly id: string;
  readonly msisdn: string | null;
  readonly email: string | null;
  readonly locale: string | null;
  readonly attributes: Readonly<Record<string, FieldValue>>;
}

/** One contact-history row of a customer: what a campaign run decided for them and what came of it. */
export interface CustomerContact {
  readonly runId: string;
  readonly campaignId: string;
  /** null when the campaign has since been deleted. */
  readonly campaignName: string | null;
  readonly offerId: string | null;
  readonly offerName: string | null;
  readonly channel: string;
  /** `queued`, `ucg`, `control`, `excluded:…`, `suppressed:…`. */
  readonly outcome: string;
  /** What the gateway made of a queued message (`sent`, `delivered`, `failed`, …), once known. */
  readonly deliveryStatus: string | null;
  readonly deliveryAt: string | null;
  readonly sendAt: string | null;
  readonly recordedAt: string;
}

/** Finding customers and reading their contact history, whatever the engine. */
export interface CustomerStore {
  /**
   * Customers whose id starts with `text`, and (with `contactPoints`) whose msisdn or e-mail is
   * `text` (an e-mail in any case, a number with or without separators), in id order.
   */
  search(query: {
    readonly text: string;
    readonly contactPoints: boolean;
    readonly limit: number;
  }): Promise<readonly CustomerMatch[]>;
  /** The customer's contact history, newest first. */
  contacts(customerId: string, options: { readonly limit: number }): Promise<readonly CustomerContact[]>;
}
