import {
  type Campaign,
  checkTemplate,
  type Offer,
  type RenderedContent,
  renderTemplate,
  type TemplateContext,
  templateVariables,
  type WorkspaceSchema,
} from '@opencvm/core';
import type { Contactable } from './apply-policy.ts';
import { LeftAt } from './left-at.ts';

/**
 * Step: render. The campaign's content in the customer's locale with their values and the offer;
 * a failure leaves this customer out (`excluded:render_failed`), not the run.
 */

/** Distinct renders kept per run; content naming per-customer values (a name) rarely repeats. */
const RENDER_MEMO_LIMIT = 100_000;

const RENDER_FAILED = new LeftAt('render', 'excluded:render_failed');

/** The offer fields content may name (cost, expected value and priority never): runs and previews alike. */
export const offerContext = (offer: Offer | null): TemplateContext['offer'] => ({
  id: offer?.id ?? null,
  name: offer?.name ?? null,
  description: offer?.description ?? null,
  kind: offer?.kind ?? null,
  value: offer?.value ?? null,
  validFrom: offer?.validFrom ?? null,
  validTo: offer?.validTo ?? null,
});

/** The customer columns the campaign's content names: what the targets are read with. */
export const contentColumns = (
  campaign: Pick<Campaign, 'content'>,
  schema: WorkspaceSchema,
): readonly string[] => {
  const variables = checkTemplate(campaign.content, { variables: templateVariables(schema) });
  if (!variables.ok) return [];
  return [
    ...new Set(
      variables.value.variables
        .filter((name) => name.startsWith('customer.'))
        .map((name) => name.slice('customer.'.length)),
    ),
  ];
};

export type RenderMessage = (target: Contactable) => RenderedContent | LeftAt;

/**
 * The run's renderer. The message depends only on the offer, the locale and the customer columns
 * the content names (the campaign is the run's), so customers alike share one render.
 */
export const createRenderer = (options: {
  readonly campaign: Pick<Campaign, 'id' | 'name' | 'content'>;
  readonly fallbackLocale: string;
}): RenderMessage => {
  const { campaign, fallbackLocale } = options;
  /** Rendered content (null: the render failed) by offer, locale and the customer columns it names. */
  const renders = new Map<string, RenderedContent | null>();
  return ({ candidate, offer }) => {
    const key = JSON.stringify([offer?.id ?? null, candidate.locale, candidate.attributes]);
    let content = renders.get(key);
    if (content === undefined) {
      try {
        content = renderTemplate(
          campaign.content,
          {
            customer: candidate.attributes,
            offer: offerContext(offer),
            campaign: { id: campaign.id, name: campaign.name },
          },
          { locale: candidate.locale, fallbackLocale },
        );
      } catch {
        content = null;
      }
      if (renders.size < RENDER_MEMO_LIMIT) renders.set(key, content);
    }
    return content === null ? RENDER_FAILED : content;
  };
};
