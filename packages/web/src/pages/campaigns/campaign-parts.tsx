import { Badge, Progress, Stack, Table, Text } from '@mantine/core';
import type { CampaignSchedule, CampaignStatus, RunFunnel } from '@opencvm/core';
import { campaignsMessages } from '../../i18n/campaigns-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';

export const STATUS_COLORS: Readonly<Record<CampaignStatus, string>> = {
  draft: 'gray',
  pending_approval: 'yellow',
  approved: 'blue',
  running: 'green',
  completed: 'teal',
  stopped: 'red',
};

export const StatusBadge = ({
  status,
  testId,
}: {
  readonly status: CampaignStatus;
  readonly testId?: string;
}) => {
  const t = useMessages(campaignsMessages);
  return (
    <Badge color={STATUS_COLORS[status]} variant="light" data-testid={testId} data-status={status}>
      {t.statuses[status]}
    </Badge>
  );
};

/** A schedule as a person reads it. */
export const useScheduleText = () => {
  const t = useMessages(campaignsMessages);
  const format = useFormat();
  return (schedule: CampaignSchedule): string =>
    schedule.type === 'once'
      ? t.scheduleOnce(format.dateTime(schedule.at))
      : t.scheduleRecurring(schedule.cron);
};

/** Why customers left a run's step (`excluded:no_consent`, `suppressed:cap:sms:day`, …) in words. */
export const useFunnelReason = (): ((reason: string) => string) => {
  const t = useMessages(campaignsMessages);
  const reasons = new Map(Object.entries(t.reasons));
  const periods = new Map(Object.entries(t.periods));
  return (reason) => {
    const cap = /^suppressed:cap:([a-z]+):([a-z]+)$/.exec(reason);
    if (cap !== null) {
      const [, scope = '', period = ''] = cap;
      return t.capReason(
        scope === 'total' ? t.capTotal : scope,
        (periods.get(period) ?? period).toLowerCase(),
      );
    }
    return reasons.get(reason) ?? reason;
  };
};

/** How many customers each step of a run took in and let go, and why. */
export const FunnelTable = ({ funnel }: { readonly funnel: RunFunnel | null }) => {
  const t = useMessages(campaignsMessages);
  const format = useFormat();
  const reasonText = useFunnelReason();
  if (funnel === null) return <Text c="dimmed">{t.funnelNone}</Text>;
  const share = (count: number) => (funnel.audience === 0 ? 0 : (count / funnel.audience) * 100);
  return (
    <Table striped withTableBorder aria-label={t.funnelTitle}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t.funnelStep}</Table.Th>
          <Table.Th ta="right">{t.funnelEntered}</Table.Th>
          <Table.Th ta="right">{t.funnelLeft}</Table.Th>
          <Table.Th ta="right">{t.funnelRemaining}</Table.Th>
          <Table.Th w="25%" />
          <Table.Th>{t.funnelReasons}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        <Table.Tr>
          <Table.Td fw={600}>{t.funnelAudience}</Table.Td>
          <Table.Td ta="right">{format.integer(funnel.audience)}</Table.Td>
          <Table.Td ta="right">—</Table.Td>
          <Table.Td ta="right">{format.integer(funnel.audience)}</Table.Td>
          <Table.Td>
            <Progress value={100} aria-label={t.funnelAudience} />
          </Table.Td>
          <Table.Td />
        </Table.Tr>
        {funnel.steps.map((step) => {
          const remaining = step.entered - step.left;
          return (
            <Table.Tr key={step.step}>
              <Table.Td>{t.funnelSteps[step.step]}</Table.Td>
              <Table.Td ta="right">{format.integer(step.entered)}</Table.Td>
              <Table.Td ta="right" c={step.left > 0 ? 'red.7' : 'inherit'}>
                {step.left > 0 ? `−${format.integer(step.left)}` : '0'}
              </Table.Td>
              <Table.Td ta="right">{format.integer(remaining)}</Table.Td>
              <Table.Td>
                <Progress value={share(remaining)} aria-label={t.funnelSteps[step.step]} />
              </Table.Td>
              <Table.Td>
                <Stack gap={0}>
                  {Object.entries(step.reasons).map(([reason, count]) => (
                    <Text key={reason} size="sm">
                      {reasonText(reason)}: {format.integer(count)}
                    </Text>
                  ))}
                </Stack>
              </Table.Td>
            </Table.Tr>
          );
        })}
        <Table.Tr>
          <Table.Td fw={600}>{t.funnelQueued}</Table.Td>
          <Table.Td />
          <Table.Td />
          <Table.Td ta="right" fw={600} data-testid="funnel-queued">
            {format.integer(funnel.queued)}
          </Table.Td>
          <Table.Td>
            <Progress value={share(funnel.queued)} color="green" aria-label={t.funnelQueued} />
          </Table.Td>
          <Table.Td />
        </Table.Tr>
      </Table.Tbody>
    </Table>
  );
};
