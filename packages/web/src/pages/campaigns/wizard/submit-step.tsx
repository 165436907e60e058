import { Alert, Anchor, Button, Group, Stack, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { CampaignsMessages } from '../../../i18n/campaigns-messages.ts';
import { useFormat } from '../../../i18n/i18n.tsx';
import { useScheduleText } from '../campaign-parts.tsx';
import { SubmitChecks } from './submit-checks.tsx';
import type { WizardState } from './use-wizard-state.ts';

/** The last step: the saved definition in short, the checks before approval, and Submit. */
export const SubmitStep = ({
  wizard,
  t,
}: {
  readonly wizard: WizardState;
  readonly t: CampaignsMessages;
}) => {
  const format = useFormat();
  const scheduleText = useScheduleText();
  const { stored, funnel, saved, canWrite } = wizard;
  return (
    <Stack>
      {stored !== null && (
        <Table withTableBorder aria-label={t.definition} maw={720}>
          <Table.Tbody>
            {[
              [t.name, stored.campaign.name],
              [t.offersSummary, stored.campaign.offers.join(', ')],
              [t.columns.channel, t.channels[stored.campaign.channel]],
              [t.scheduleSummary, scheduleText(stored.campaign.schedule)],
              [t.controlSummary, format.percent(stored.campaign.controlShare / 100)],
              [t.goalSummary, `${t.kpis[stored.campaign.goal.kpi]}: ${stored.campaign.goal.eventType}`],
              ...(funnel === null
                ? []
                : [
                    [t.funnelAudience, format.integer(funnel.audience)],
                    [t.funnelQueued, format.integer(funnel.queued)],
                  ]),
            ].map(([label, value]) => (
              <Table.Tr key={label}>
                <Table.Th w="40%" scope="row">
                  {label}
                </Table.Th>
                <Table.Td>{value}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Text>{t.submitHint}</Text>
      {!saved && <Alert color="yellow">{t.submitNeedsSave}</Alert>}
      {canWrite && (
        <SubmitChecks
          key={stored?.version ?? 0}
          form={wizard.form}
          t={t}
          saved={saved}
          campaignId={stored?.campaign.id ?? ''}
          funnel={funnel}
          setFunnel={wizard.setFunnel}
        />
      )}
      <Group>
        <Button
          onClick={() => void wizard.submit()}
          loading={wizard.busy === 'submit'}
          disabled={!saved || !canWrite}
        >
          {t.submit}
        </Button>
        {stored !== null && (
          <Anchor component={Link} to={`/campaigns/${stored.campaign.id}`}>
            {t.openCampaign}
          </Anchor>
        )}
      </Group>
    </Stack>
  );
};
