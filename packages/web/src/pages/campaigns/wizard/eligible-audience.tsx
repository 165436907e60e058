import { Alert, Text } from '@mantine/core';
import { useLoad } from '../../../components/use-api.ts';
import type { CampaignsMessages } from '../../../i18n/campaigns-messages.ts';
import { useFormat } from '../../../i18n/i18n.tsx';
import { campaignApi, type StoredOffer } from '../campaign-api.ts';
import { audienceOf, type CampaignForm } from '../campaign-form.ts';

/**
 * Who of the audience at least one chosen offer is open to, counted as the form changes: a
 * warning when nobody is, before the draft goes for approval. Silent while the audience or the
 * offers are not chosen yet, or cannot be counted (the step's own issues say why).
 */
export const EligibleAudience = ({
  form,
  offers,
  t,
}: {
  readonly form: CampaignForm;
  readonly offers: readonly StoredOffer[];
  readonly t: CampaignsMessages;
}) => {
  const format = useFormat();
  const audience = audienceOf(form);
  const chosen = offers.filter(({ offer }) => form.offers.includes(offer.id));
  const key = JSON.stringify([audience, chosen.map(({ offer }) => offer.eligibility ?? null)]);
  const counted = useLoad(
    async () =>
      audience === null || chosen.length === 0
        ? null
        : campaignApi.eligibleCount(
            audience,
            chosen.map(({ offer }) => offer.eligibility ?? null),
          ),
    [key],
  );
  if (counted.status === 'loading')
    return audience === null || chosen.length === 0 ? null : (
      <Text size="sm" c="dimmed">
        {t.eligibleCounting}
      </Text>
    );
  if (counted.status === 'error' || counted.value === null) return null;
  return counted.value === 0 ? (
    <Alert color="orange" title={t.nobodyEligibleTitle} role="alert" data-testid="nobody-eligible">
      {t.nobodyEligible}
    </Alert>
  ) : (
    <Text size="sm" data-testid="eligible-count">
      {t.eligibleCount(format.integer(counted.value))}
    </Text>
  );
};
