import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Progress,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { OUTBOX_STATUSES } from '@opencvm/core';
import { useEffect, useState } from 'react';
import { useAuth } from '../../auth.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { campaignsMessages } from '../../i18n/campaigns-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { campaignApi, type RunSummary } from './campaign-api.ts';
import { FunnelTable } from './campaign-parts.tsx';

const DELIVERY_COLORS: Readonly<Record<(typeof OUTBOX_STATUSES)[number], string>> = {
  pending: 'gray.4',
  sending: 'blue.3',
  sent: 'blue.6',
  delivered: 'green.6',
  failed: 'red.6',
  bounced: 'orange.6',
  cancelled: 'dark.2',
};

const REFRESH_MS = 3000;

/** A run's delivery as a stacked progress bar, refreshed while messages are pending or sending. */
export const DeliveryProgress = ({ runId }: { readonly runId: string }) => {
  const t = useMessages(campaignsMessages);
  const format = useFormat();
  const delivery = useLoad(() => campaignApi.delivery(runId), [runId]);
  const value = delivery.status === 'ready' ? delivery.value : null;
  const waiting = value === null ? 0 : (value.statuses.pending ?? 0) + (value.statuses.sending ?? 0);
  const { reload } = delivery;
  useEffect(() => {
    if (waiting === 0) return;
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [waiting, reload]);

  if (delivery.status === 'error') return <ErrorAlert error={delivery.error} />;
  if (value === null) return <Text c="dimmed">…</Text>;
  const total = Object.values(value.statuses).reduce((sum, count) => sum + count, 0);
  if (total === 0) return <Text c="dimmed">{t.deliveryNone}</Text>;
  const labels = new Map(Object.entries(t.deliveryStatuses));
  const label = (status: string): string => labels.get(status) ?? status;
  return (
    <Stack gap="xs" data-testid="delivery-progress">
      <Group justify="space-between">
        <Text fw={600}>{t.deliveryTotal(format.integer(total))}</Text>
        {waiting > 0 && (
          <Text size="sm" c="dimmed" role="status">
            {t.deliveryRefreshing}
          </Text>
        )}
      </Group>
      <Progress.Root size={24} aria-label={t.delivery}>
        {OUTBOX_STATUSES.map((status) => {
          const count = value.statuses[status] ?? 0;
          if (count === 0) return null;
          return (
            <Tooltip key={status} label={`${label(status)}: ${format.integer(count)}`}>
              <Progress.Section value={(count / total) * 100} color={DELIVERY_COLORS[status]}>
                <Progress.Label>{format.percent(count / total)}</Progress.Label>
              </Progress.Section>
            </Tooltip>
          );
        })}
      </Progress.Root>
      <Group gap="xs">
        {OUTBOX_STATUSES.map((status) => (
          <Badge
            key={status}
            color={DELIVERY_COLORS[status]}
            variant={value.statuses[status] ? 'filled' : 'outline'}
            tt="none"
            data-testid={`delivery-${status}`}
          >
            {label(status)}: {format.integer(value.statuses[status] ?? 0)}
          </Badge>
        ))}
      </Group>
      {value.channels.map((channel) => (
        <Text key={channel.channel} size="sm" c="dimmed">
          {t.deliveryRate(
            channel.channel,
            format.integer(channel.sent),
            channel.perSecond === null ? '—' : format.decimal(channel.perSecond),
          )}
        </Text>
      ))}
      {value.unsubscribed > 0 && (
        <Text size="sm">{t.deliveryUnsubscribed(format.integer(value.unsubscribed))}</Text>
      )}
      {value.failures.length > 0 && (
        <Alert color="red" title={t.deliveryFailures} p="xs">
          {value.failures.map((failure) => (
            <Text key={failure.reason} size="sm">
              {failure.reason}: {format.integer(failure.count)}
            </Text>
          ))}
        </Alert>
      )}
    </Stack>
  );
};

const RunDetails = ({ run }: { readonly run: RunSummary }) => {
  const t = useMessages(campaignsMessages);
  const format = useFormat();
  // Delivery failures may quote recipients: only roles that read customer data see them.
  const mayReadDelivery = useAuth().can('data.read');
  return (
    <Card withBorder padding="md">
      <Stack>
        <Title order={4}>{t.runDetails(format.dateTime(run.startedAt))}</Title>
        <Title order={5}>{t.funnelTitle}</Title>
        <FunnelTable funnel={run.funnel} />
        {!run.dryRun && mayReadDelivery && (
          <>
            <Title order={5}>{t.delivery}</Title>
            <DeliveryProgress runId={run.id} />
          </>
        )}
      </Stack>
    </Card>
  );
};

/** A campaign's runs, newest first; one at a time opens with its funnel and delivery. */
export const RunList = ({
  campaignId,
  refreshKey,
}: {
  readonly campaignId: string;
  readonly refreshKey: number;
}) => {
  const t = useMessages(campaignsMessages);
  const format = useFormat();
  // Roles that do not read data (viewers) see the real runs results cover, with their funnels.
  const readsData = useAuth().can('data.read');
  const runs = useLoad<readonly RunSummary[]>(
    () => (readsData ? campaignApi.runs(campaignId) : campaignApi.resultRuns(campaignId)),
    [campaignId, refreshKey, readsData],
  );
  const [open, setOpen] = useState<string | null>(null);
  const list = runs.status === 'ready' ? runs.value : [];
  const unfinished = list.some((run) => run.finishedAt === null);
  const { reload } = runs;
  useEffect(() => {
    if (!unfinished) return;
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [unfinished, reload]);
  // The newest real run opens by itself: it is what the user came to see.
  const shown = open ?? list.find((run) => !run.dryRun)?.id ?? list[0]?.id ?? null;
  const runStatuses = new Map(Object.entries(t.runStatuses));
  const runStatus = (status: string) => runStatuses.get(status) ?? status;

  if (runs.status === 'error') return <ErrorAlert error={runs.error} />;
  if (runs.status === 'loading') return <Text c="dimmed">…</Text>;
  if (list.length === 0) return <Alert color="gray">{t.noRuns}</Alert>;
  const selected = list.find((run) => run.id === shown) ?? null;
  return (
    <Stack>
      <Table striped withTableBorder aria-label={t.runs}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.runStarted}</Table.Th>
            <Table.Th>{t.runKind}</Table.Th>
            <Table.Th>{t.runStatus}</Table.Th>
            <Table.Th ta="right">{t.funnelAudience}</Table.Th>
            <Table.Th ta="right">{t.runQueued}</Table.Th>
            <Table.Th>{t.runFinished}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {list.map((run) => (
            <Table.Tr key={run.id} {...(run.id === shown ? { bg: 'blue.0' } : {})}>
              <Table.Td>
                {format.dateTime(run.startedAt)}
                {run.dueAt !== null && (
                  <Text size="xs" c="dimmed">
                    {t.runDue(format.dateTime(run.dueAt))}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Badge variant="light" color={run.dryRun ? 'gray' : 'blue'}>
                  {run.dryRun ? t.runDry : t.runReal}
                </Badge>
              </Table.Td>
              <Table.Td>{runStatus(run.status)}</Table.Td>
              <Table.Td ta="right">
                {run.funnel === null ? '—' : format.integer(run.funnel.audience)}
              </Table.Td>
              <Table.Td ta="right">{run.funnel === null ? '—' : format.integer(run.funnel.queued)}</Table.Td>
              <Table.Td>{run.finishedAt === null ? '—' : format.dateTime(run.finishedAt)}</Table.Td>
              <Table.Td>
                <Button
                  size="xs"
                  variant="subtle"
                  onClick={() => setOpen(run.id)}
                  disabled={run.id === shown}
                  aria-label={`${t.showRun}: ${format.dateTime(run.startedAt)}`}
                >
                  {t.showRun}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {selected !== null && <RunDetails key={selected.id} run={selected} />}
    </Stack>
  );
};
