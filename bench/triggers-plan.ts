/**
 * What the trigger benchmark sends, shared by the benchmark and its HTTP client process: the
 * workspace, its customers, and the stream of events (event `i` is the same row in both).
 */
import type { NormalizedRow } from '@opencvm/core';

export const JOURNEY_ID = 'bench-topup-follow-up';
export const OFFER_ID = 'bench-topup-bonus';
/** Events a second, and each HTTP request carries the events of this many milliseconds. */
export const RATE = 2_000;
export const REQUEST_MS = 5;

export const SCHEMA_INPUT = {
  workspace: { name: 'Trigger bench', currency: 'EUR', timezone: 'UTC' },
  customer: { attributes: { plan_type: { type: 'enum', values: ['prepaid', 'postpaid'] } } },
  events: {
    topup: { amount: true },
    purchase: { amount: true },
  },
  relations: { kinds: ['family'] },
} as const;

export const customerId = (index: number): string => `c${String(index).padStart(7, '0')}`;

/** Three in four customers are prepaid; every one has a number and SMS marketing consent. */
export const customerRow = (index: number): NormalizedRow => ({
  id: customerId(index),
  plan_type: index % 4 === 3 ? 'postpaid' : 'prepaid',
  msisdn: `+4915${String(index).padStart(9, '0')}`,
  consent_sms_marketing: true,
});

export const CUSTOMER_FIELDS = ['id', 'plan_type', 'msisdn', 'consent_sms_marketing'] as const;
export const EVENT_FIELDS = ['id', 'customer_id', 'type', 'ts', 'amount'] as const;

/**
 * Event `i` of a stream (`prefix` names the stream, so streams never share ids), to a customer
 * `offset` and on: in every ten, eight top-ups above 500 (entries when the customer is prepaid),
 * one of 100 (no entry) and one purchase by a customer topped up earlier (leaves the wait).
 */
export const streamEvent = (
  prefix: string,
  offset: number,
  index: number,
  at: Date,
): { readonly row: NormalizedRow; readonly customer: number; readonly enters: boolean } => {
  const kind = index % 10;
  const ts = at.toISOString();
  if (kind === 9) {
    const customer = offset + Math.max(0, index - 500);
    const row = {
      id: `${prefix}-${index}`,
      customer_id: customerId(customer),
      type: 'purchase',
      ts,
      amount: '9.99',
    };
    return { row, customer, enters: false };
  }
  const customer = offset + index;
  const amount = kind === 8 ? '100' : String(600 + (index % 400));
  const row = { id: `${prefix}-${index}`, customer_id: customerId(customer), type: 'topup', ts, amount };
  return { row, customer, enters: kind !== 8 && customerRow(customer).plan_type === 'prepaid' };
};
