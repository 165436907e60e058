import { Stack } from '@mantine/core';
import type { RunFunnel } from '@opencvm/core';
import { useEffect, useRef, useState } from 'react';
import { ErrorAlert } from '../../../components/error-alert.tsx';
import { useLoad } from '../../../components/use-api.ts';
import type { CampaignsMessages } from '../../../i18n/campaigns-messages.ts';
import { campaignApi } from '../campaign-api.ts';
import type { CampaignForm } from '../campaign-form.ts';
import { EligibleAudience } from './eligible-audience.tsx';
import { NobodyQueued } from './nobody-queued.tsx';

/**
 * What the submit step checks before the draft goes for approval: whether anyone is eligible for
 * the offers, and a dry run of the saved draft (made here once when none was made yet), so that a
 * campaign that would reach nobody is told before approval, not after it.
 */
export const SubmitChecks = ({
  form,
  t,
  saved,
  campaignId,
  funnel,
  setFunnel,
}: {
  readonly form: CampaignForm;
  readonly t: CampaignsMessages;
  readonly saved: boolean;
  readonly campaignId: string;
  readonly funnel: RunFunnel | null;
  readonly setFunnel: (funnel: RunFunnel | null) => void;
}) => {
  const offers = useLoad(() => campaignApi.offers(), []);
  const [error, setError] = useState<unknown>(null);
  const tried = useRef(false);
  useEffect(() => {
    if (!saved || funnel !== null || campaignId === '' || tried.current) return;
    tried.current = true;
    campaignApi.dryRun(campaignId).then(
      (run) => setFunnel(run.funnel),
      (caught: unknown) => setError(caught),
    );
  }, [saved, funnel, campaignId, setFunnel]);
  return (
    <Stack gap="xs">
      {offers.status === 'ready' && <EligibleAudience form={form} offers={offers.value} t={t} />}
      {funnel !== null && funnel.queued === 0 && <NobodyQueued t={t} />}
      <ErrorAlert error={error} />
    </Stack>
  );
};
