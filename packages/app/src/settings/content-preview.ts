import {
  CONTACT_POINT_MASKS,
  ContentTemplate,
  checkTemplate,
  chooseLocale,
  DeliveryChannel,
  err,
  type FieldValue,
  LOCALE_TAG,
  type Offer,
  ok,
  type RenderedContent,
  type Result,
  renderTemplate,
  type SchemaIssue,
  type SmsEncoding,
  type Store,
  type TemplateContext,
  type TemplateValue,
  templateVariables,
  UNSUBSCRIBE_URL_PLACEHOLDER,
  type WorkspaceSchema,
  zodIssues,
} from '@opencvm/core';
import { z } from 'zod';
import { offerContext } from '../campaigns/run/render.ts';

/**
 * A content template rendered for one real customer, as a campaign run would render it: the
 * customer's columns, the offer (when named) and the campaign (when named), in the customer's
 * locale unless another is asked for. Liquid problems (unknown variables, filters, tags, syntax)
 * are reported with their paths rather than refused, so an editor sees them while writing; the
 * chosen locale is still rendered when its own content is sound.
 */

export const ContentPreviewInput = z.strictObject({
  /** Its shape is refused with the input; its Liquid is checked and reported as issues. */
  content: ContentTemplate,
  customerId: z.string({ error: 'must be a customer id' }).min(1, 'must not be empty'),
  /** Renders this locale instead of the customer's (chosen among the template's as a run would). */
  locale: z
    .string({ error: 'must be text' })
    .regex(LOCALE_TAG, 'is not a language tag such as en, ru or en-GB')
    .optional(),
  /** The campaign channel the content is for: its type must match. */
  channel: DeliveryChannel.optional(),
  offerId: z.string({ error: 'must be an offer id' }).min(1, 'must not be empty').optional(),
  campaignId: z.string({ error: 'must be a campaign id' }).min(1, 'must not be empty').optional(),
});
export type ContentPreviewInput = z.input<typeof ContentPreviewInput>;

export type ContentPreviewError =
  | { readonly type: 'invalid_input'; readonly issues: readonly SchemaIssue[] }
  | { readonly type: 'not_found'; readonly message: string };

export interface ContentPreview {
  readonly customerId: string;
  /** The locale rendered. */
  readonly locale: string;
  /** null when the chosen locale's content has issues or does not render for this customer. */
  readonly rendered: RenderedContent | null;
  /** The variables the rendered locale names, sorted, with the values this customer gives them. */
  readonly variables: readonly { readonly name: string; readonly value: TemplateValue }[];
  /** Every Liquid problem of every locale, and a failed render, with its path under `content`. */
  readonly issues: readonly SchemaIssue[];
  /**
   * SMS only: encoding (GSM-7 or UCS-2), length and segments of the rendered text. An
   * unsubscribe link counts as its placeholder; the real link is about as long.
   */
  readonly sms: SmsEncoding | null;
}

export interface ContentPreviewOptions {
  /** Contact points are masked before rendering, so the caller cannot read them through content. */
  readonly masked?: boolean | undefined;
}

export interface ContentPreviewDeps {
  readonly store: Store;
  readonly schema: WorkspaceSchema;
}

const underContent = (issues: readonly SchemaIssue[]): SchemaIssue[] =>
  issues.map((issue) => ({
    path: issue.path === '(root)' || issue.path === '' ? 'content' : `content.${issue.path}`,
    message: issue.message,
  }));

const maskedCustomer = (customer: Readonly<Record<string, FieldValue>>): Record<string, FieldValue> =>
  Object.fromEntries(
    Object.entries(customer).map(([column, value]) => {
      const mask = CONTACT_POINT_MASKS[column];
      return [column, mask !== undefined && typeof value === 'string' ? mask(value) : value];
    }),
  );

const variableValue = (context: TemplateContext, name: string): TemplateValue => {
  const dot = name.indexOf('.');
  const root = name.slice(0, dot);
  const field = name.slice(dot + 1);
  if (root === 'customer') return context.customer[field] ?? null;
  if (root === 'offer') return Object.entries(context.offer).find(([key]) => key === field)?.[1] ?? null;
  if (root === 'campaign')
    return Object.entries(context.campaign).find(([key]) => key === field)?.[1] ?? null;
  if (name === 'message.unsubscribe_url') return UNSUBSCRIBE_URL_PLACEHOLDER;
  return null;
};

export const previewContent = async (
  deps: ContentPreviewDeps,
  input: unknown,
  options: ContentPreviewOptions = {},
): Promise<Result<ContentPreview, ContentPreviewError>> => {
  const parsed = ContentPreviewInput.safeParse(input);
  if (!parsed.success) return err({ type: 'invalid_input', issues: zodIssues(parsed.error) });
  const request = parsed.data;
  const template = request.content;
  if (request.channel !== undefined && template.type !== request.channel) {
    return err({
      type: 'invalid_input',
      issues: [
        { path: 'content.type', message: `must be ${request.channel} for the ${request.channel} channel` },
      ],
    });
  }

  const details = await deps.store.getCustomer(request.customerId, { events: 0 });
  if (details === null) return err({ type: 'not_found', message: `no customer "${request.customerId}"` });
  let offer: Offer | null = null;
  if (request.offerId !== undefined) {
    const stored = await deps.store.campaigns.getOffer(request.offerId);
    if (stored === null) return err({ type: 'not_found', message: `no offer "${request.offerId}"` });
    offer = stored.offer;
  }
  // Without a campaign named, `campaign.id` and `campaign.name` render empty.
  let campaign: TemplateContext['campaign'] = { id: '', name: '' };
  if (request.campaignId !== undefined) {
    const stored = await deps.store.campaigns.getCampaign(request.campaignId);
    if (stored === null) return err({ type: 'not_found', message: `no campaign "${request.campaignId}"` });
    campaign = { id: stored.campaign.id, name: stored.campaign.name };
  }

  const variables = templateVariables(deps.schema);
  const whole = checkTemplate(template, { variables });
  const issues: SchemaIssue[] = whole.ok ? [] : underContent(whole.error.issues);

  const customerLocale = details.customer.locale;
  const fallbackLocale = deps.schema.workspace.defaultLocale;
  const locale = chooseLocale(Object.keys(template.locales), {
    wanted: request.locale ?? (typeof customerLocale === 'string' ? customerLocale : null),
    fallback: fallbackLocale,
  });
  // The chosen locale alone: problems in other locales do not keep it from rendering.
  const single = ContentTemplate.safeParse({
    type: template.type,
    locales: { [locale]: template.locales[locale] },
  });
  const checked = single.success ? checkTemplate(single.data, { variables }) : null;
  if (!single.success || !checked?.ok) {
    return ok({ customerId: request.customerId, locale, rendered: null, variables: [], issues, sms: null });
  }

  const context: TemplateContext = {
    customer: options.masked === true ? maskedCustomer(details.customer) : details.customer,
    offer: offerContext(offer),
    campaign,
  };
  let rendered: RenderedContent | null = null;
  try {
    rendered = renderTemplate(single.data, context, { locale, fallbackLocale });
  } catch (error) {
    // A run leaves such a customer out (`excluded:render_failed`); the editor should know why.
    issues.push({
      path: `content.locales.${locale}`,
      message: `does not render for this customer: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
  return ok({
    customerId: request.customerId,
    locale,
    rendered,
    variables: checked.value.variables.map((name) => ({ name, value: variableValue(context, name) })),
    issues,
    sms: rendered?.type === 'sms' ? rendered.sms : null,
  });
};
