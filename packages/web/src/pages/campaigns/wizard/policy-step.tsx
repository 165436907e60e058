import { Alert, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import type { RunFunnel } from '@opencvm/core';
import { useState } from 'react';
import { useAuth } from '../../../auth.tsx';
import { ErrorAlert } from '../../../components/error-alert.tsx';
import type { CampaignsMessages } from '../../../i18n/campaigns-messages.ts';
import { campaignApi } from '../campaign-api.ts';
import { FunnelTable } from '../campaign-parts.tsx';
import { NobodyQueued } from './nobody-queued.tsx';
import { PolicySummary } from './policy-summary.tsx';

/** Step 6: the contact policy in force and a dry run of the saved draft. */
export const PolicyStep = ({
  t,
  saved,
  campaignId,
  funnel,
  setFunnel,
}: {
  readonly t: CampaignsMessages;
  readonly saved: boolean;
  readonly campaignId: string;
  readonly funnel: RunFunnel | null;
  readonly setFunnel: (funnel: RunFunnel | null) => void;
}) => {
  const auth = useAuth();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const dryRun = async () => {
    setBusy(true);
    setError(null);
    try {
      const run = await campaignApi.dryRun(campaignId);
      setFunnel(run.funnel);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack>
      <Card withBorder>
        <Stack>
          <Title order={4}>{t.policyTitle}</Title>
          {auth.can('settings.read') ? (
            <PolicySummary t={t} />
          ) : (
            <Text c="dimmed">{t.policyNoPermission}</Text>
          )}
        </Stack>
      </Card>
      <Card withBorder>
        <Stack>
          <Title order={4}>{t.dryRunTitle}</Title>
          <Text size="sm" c="dimmed">
            {t.dryRunHint}
          </Text>
          {!saved && <Alert color="yellow">{t.dryRunNeedsSave}</Alert>}
          <Group>
            <Button onClick={() => void dryRun()} loading={busy} disabled={!saved}>
              {t.dryRun}
            </Button>
          </Group>
          <ErrorAlert error={error} />
          {funnel !== null && funnel.queued === 0 && <NobodyQueued t={t} />}
          {funnel !== null && <FunnelTable funnel={funnel} />}
        </Stack>
      </Card>
    </Stack>
  );
};
