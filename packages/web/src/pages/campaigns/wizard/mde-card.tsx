import { Alert, Button, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { ErrorAlert } from '../../../components/error-alert.tsx';
import type { CampaignsMessages } from '../../../i18n/campaigns-messages.ts';
import { useFormat } from '../../../i18n/i18n.tsx';
import type { AudienceCounter, PlanState } from './use-plan.ts';

/**
 * The smallest effect the campaign can detect with its audience and control group, or what is
 * missing to say it; warns when the planned lift is smaller than that.
 */
export const MdeCard = (props: {
  readonly t: CampaignsMessages;
  readonly mayPlan: boolean;
  /** The control group, in percent. */
  readonly share: number;
  /** The planned lift, in percent. */
  readonly lift: number;
  readonly audienceSize: number | null;
  readonly plan: PlanState;
  readonly counter: AudienceCounter;
}) => {
  const { t, mayPlan, share, lift, audienceSize, plan, counter } = props;
  const format = useFormat();
  const mde = plan.value?.mde ?? null;
  return (
    <Card withBorder bg="gray.0">
      <Stack gap="xs">
        <Title order={4}>{t.mdeTitle}</Title>
        {!mayPlan ? (
          <Text c="dimmed">{t.mdeNoPermission}</Text>
        ) : !(share > 0) ? (
          <Alert color="orange">{t.mdeNoControl}</Alert>
        ) : audienceSize === null ? (
          <Group>
            <Text c="dimmed">{t.mdeNeedsAudience}</Text>
            <Button variant="light" size="xs" onClick={() => void counter.count()} loading={counter.busy}>
              {t.countAudience}
            </Button>
          </Group>
        ) : mde === null ? (
          plan.error === null ? (
            <Loader size="sm" />
          ) : (
            <ErrorAlert error={plan.error} />
          )
        ) : (
          <>
            <Text size="xl" fw={700} data-testid="mde">
              {t.mdeValue(format.decimal(mde.absolute * 100), format.percent(mde.relative))}
            </Text>
            <Text size="sm" c="dimmed">
              {t.mdeFor(format.integer(audienceSize), format.percent(share / 100))}
            </Text>
            {lift > 0 && lift / 100 < mde.relative && (
              <Alert color="orange">
                {t.mdeTooSmall(format.percent(lift / 100), format.percent(mde.relative))}
              </Alert>
            )}
            <Group>
              <Button variant="subtle" size="xs" onClick={() => void counter.count()} loading={counter.busy}>
                {t.countAudience}
              </Button>
            </Group>
          </>
        )}
        <ErrorAlert error={counter.error} />
      </Stack>
    </Card>
  );
};
