import { Alert, Badge, Code, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { OUTBOX_STATUSES, settingsApi } from '@opencvm/core';
import { call } from '../../api/client.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { settingsMessages } from '../../i18n/settings-messages.ts';
import type { ChannelView } from './settings-api.ts';
import { TabLoading } from './settings-shared.tsx';

const CHANNEL_NAMES: Readonly<Record<string, string>> = { sms: 'SMS', email: 'E-mail', push: 'Push' };

/** An option's value as text: scalars as they are, anything nested as compact JSON. */
const optionText = (value: unknown): string =>
  typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);

/** Each delivery channel: its route, pace, retries, options and its outbox by status. */
export const ChannelsTab = () => {
  const t = useMessages(settingsMessages);
  const loaded = useLoad(() => call(settingsApi.channels), []);
  if (loaded.status === 'loading') return <TabLoading />;
  if (loaded.status === 'error') return <ErrorAlert error={loaded.error} />;
  return (
    <Stack>
      <Text>{t.channels.intro}</Text>
      {loaded.value.items.length === 0 ? (
        <Alert color="gray">{t.channels.none}</Alert>
      ) : (
        <SimpleGrid cols={{ base: 1, lg: 2 }}>
          {loaded.value.items.map((channel) => (
            <ChannelCard key={channel.channel} channel={channel} />
          ))}
        </SimpleGrid>
      )}
    </Stack>
  );
};

const ChannelCard = ({ channel }: { readonly channel: ChannelView }) => {
  const t = useMessages(settingsMessages);
  const format = useFormat();
  const { route } = channel;
  const statuses = [
    ...OUTBOX_STATUSES,
    ...Object.keys(channel.outbox).filter((status) => !OUTBOX_STATUSES.some((known) => known === status)),
  ];
  const statusNames: Readonly<Record<string, string>> = t.channels.statuses;
  const statusName = (status: string): string => statusNames[status] ?? status;
  const total = Object.values(channel.outbox).reduce((sum, count) => sum + count, 0);
  const titleId = `channel-${channel.channel}`;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={titleId} data-testid={titleId}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={3} id={titleId}>
            {CHANNEL_NAMES[channel.channel] ?? channel.channel}
          </Title>
          {route !== null && (
            <Badge variant="light" size="lg">
              {route.adapter}
            </Badge>
          )}
        </Group>
        {route === null ? (
          <Alert color="orange">{t.channels.noRoute}</Alert>
        ) : (
          <Table variant="vertical" withTableBorder>
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w={200}>{t.channels.adapter}</Table.Th>
                <Table.Td>{route.adapter}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t.channels.rate}</Table.Th>
                <Table.Td>{t.channels.ratePerSecond(format.decimal(route.ratePerSecond))}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t.channels.concurrency}</Table.Th>
                <Table.Td>{format.integer(route.concurrency)}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t.channels.retries}</Table.Th>
                <Table.Td>
                  {t.channels.retryPolicy(
                    format.integer(route.maxAttempts),
                    format.decimal(route.retryBaseSeconds),
                    format.decimal(route.retryMaxSeconds),
                  )}
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t.channels.timeout}</Table.Th>
                <Table.Td>{t.channels.seconds(format.decimal(route.sendTimeoutSeconds))}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t.channels.options}</Table.Th>
                <Table.Td>
                  {Object.keys(route.options).length === 0 ? (
                    <Text size="sm" c="dimmed">
                      {t.channels.noOptions}
                    </Text>
                  ) : (
                    <Stack gap={2}>
                      {Object.entries(route.options).map(([name, value]) => (
                        <Text key={name} size="sm">
                          <Code>{name}</Code> {optionText(value)}
                        </Text>
                      ))}
                    </Stack>
                  )}
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t.channels.credentials}</Table.Th>
                <Table.Td>
                  {Object.keys(route.credentials).length === 0 ? (
                    <Text size="sm" c="dimmed">
                      {t.channels.noCredentials}
                    </Text>
                  ) : (
                    <Stack gap={2}>
                      {Object.keys(route.credentials).map((path) => (
                        <Group key={path} gap="xs">
                          <Code>{path}</Code>
                          <Badge color="green" variant="light">
                            {t.channels.configured}
                          </Badge>
                        </Group>
                      ))}
                    </Stack>
                  )}
                </Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        )}
        <Title order={4}>{t.channels.outbox}</Title>
        <Table withTableBorder striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t.channels.status}</Table.Th>
              <Table.Th ta="right">{t.channels.messages}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {statuses.map((status) => (
              <Table.Tr key={status}>
                <Table.Td>{statusName(status)}</Table.Td>
                <Table.Td ta="right" data-testid={`outbox-${channel.channel}-${status}`}>
                  {format.integer(channel.outbox[status] ?? 0)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
          <Table.Tfoot>
            <Table.Tr>
              <Table.Th>{t.channels.outboxTotal}</Table.Th>
              <Table.Th ta="right" data-testid={`outbox-${channel.channel}-total`}>
                {format.integer(total)}
              </Table.Th>
            </Table.Tr>
          </Table.Tfoot>
        </Table>
      </Stack>
    </Paper>
  );
};
