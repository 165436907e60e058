import { importColumns } from '../import/row-validation.ts';
import type { WorkspaceSchema } from '../workspace/workspace-schema.ts';

/**
 * The variables a message template may use, and the values a render gets:
 * - `customer.<column>`: every customer column of the workspace schema (built-in fields such as
 *   `customer.id`, `customer.msisdn`, `customer.locale`, and every declared attribute);
 * - `offer.<field>`: what a customer may be told about the offer chosen for them;
 * - `campaign.id`, `campaign.name`;
 * - `message.unsubscribe_url`: the customer's own signed unsubscribe link. It is known only when
 *   the message is sent, so a render writes `UNSUBSCRIBE_URL_PLACEHOLDER` and the dispatcher puts
 *   the link in its place (see `withUnsubscribeUrl`).
 */

/**
 * Offer fields open to content. Cost, expected value and priority are left out on purpose: they
 * are the business's own economics and must never reach a customer's screen.
 */
export const OFFER_CONTENT_FIELDS = [
  'id',
  'name',
  'description',
  'kind',
  'value',
  'validFrom',
  'validTo',
] as const;
export type OfferContentField = (typeof OFFER_CONTENT_FIELDS)[number];

export const CAMPAIGN_CONTENT_FIELDS = ['id', 'name'] as const;
export type CampaignContentField = (typeof CAMPAIGN_CONTENT_FIELDS)[number];

export const MESSAGE_CONTENT_FIELDS = ['unsubscribe_url'] as const;

/** Stands for the unsubscribe link until the message is sent; an address that cannot resolve. */
export const UNSUBSCRIBE_URL_PLACEHOLDER = 'https://unsubscribe.invalid/opencvm';

export type TemplateValue = string | number | boolean | null;

/**
 * What one message is rendered with. Every variable a checked template uses must be present:
 * a missing value is `null` (it renders as nothing and is false in `{% if %}`); an absent key is
 * a bug and makes the render throw.
 */
export interface TemplateContext {
  readonly customer: Readonly<Record<string, TemplateValue>>;
  readonly offer: Readonly<Record<OfferContentField, string | null>>;
  readonly campaign: Readonly<Record<CampaignContentField, string>>;
}

/** The objects templates name; each is only a group of fields, never a value itself. */
export const TEMPLATE_ROOTS = ['customer', 'offer', 'campaign', 'message'] as const;

const cache = new WeakMap<WorkspaceSchema, ReadonlySet<string>>();

/** Every variable a template may name under this workspace schema, e.g. `customer.region`. */
export const templateVariables = (schema: WorkspaceSchema): ReadonlySet<string> => {
  const cached = cache.get(schema);
  if (cached !== undefined) return cached;
  const variables = new Set<string>([
    ...importColumns(schema, 'customers').map((column) => `customer.${column.name}`),
    ...OFFER_CONTENT_FIELDS.map((name) => `offer.${name}`),
    ...CAMPAIGN_CONTENT_FIELDS.map((name) => `campaign.${name}`),
    ...MESSAGE_CONTENT_FIELDS.map((name) => `message.${name}`),
  ]);
  cache.set(schema, variables);
  return variables;
};
