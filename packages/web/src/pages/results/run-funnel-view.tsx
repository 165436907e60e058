import { Box, Group, Stack, Table, Text } from '@mantine/core';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { resultsMessages } from '../../i18n/results-messages.ts';
import { useFunnelReason } from '../campaigns/campaign-parts.tsx';
import type { ResultsRun } from './results-api.ts';

/** A run's funnel: how many customers each step received, how many left it and why. */
export const RunFunnelView = ({ run }: { readonly run: ResultsRun }) => {
  const t = useMessages(resultsMessages);
  const format = useFormat();
  const reasonText = useFunnelReason();
  const funnel = run.funnel;
  if (funnel === null) return <Text c="dimmed">{t.noFunnel}</Text>;
  const stepName = (step: string) => t.steps[step] ?? step;
  const data = [
    ...funnel.steps.map((step) => ({ name: stepName(step.step), customers: step.entered })),
    { name: t.queued, customers: funnel.queued },
  ];
  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        {t.funnelOf(format.dateTime(run.startedAt))}
      </Text>
      <Box h={280} role="img" aria-label={t.funnelTitle}>
        <ResponsiveContainer>
          <BarChart data={data} layout="vertical" margin={{ left: 16, right: 32 }}>
            <CartesianGrid horizontal={false} strokeDasharray="3 3" />
            <XAxis type="number" tickFormatter={(value: number) => format.integer(value)} />
            <YAxis type="category" dataKey="name" width={270} />
            <Tooltip formatter={(value) => format.integer(Number(value))} />
            <Bar dataKey="customers" name={t.entered} fill="#4dabf7" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </Box>
      <Table striped withTableBorder>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.funnelTitle}</Table.Th>
            <Table.Th ta="right">{t.entered}</Table.Th>
            <Table.Th ta="right">{t.left}</Table.Th>
            <Table.Th>{t.reasons}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          <Table.Tr>
            <Table.Td>{t.audience}</Table.Td>
            <Table.Td ta="right">{format.integer(funnel.audience)}</Table.Td>
            <Table.Td />
            <Table.Td />
          </Table.Tr>
          {funnel.steps.map((step) => (
            <Table.Tr key={step.step}>
              <Table.Td>{stepName(step.step)}</Table.Td>
              <Table.Td ta="right">{format.integer(step.entered)}</Table.Td>
              <Table.Td ta="right">{format.integer(step.left)}</Table.Td>
              <Table.Td>
                <Group gap="xs">
                  {Object.entries(step.reasons).map(([reason, count]) => (
                    <Text key={reason} size="xs" c="dimmed">
                      {reasonText(reason)}: {format.integer(count)}
                    </Text>
                  ))}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
          <Table.Tr>
            <Table.Td fw={600}>{t.queued}</Table.Td>
            <Table.Td ta="right" fw={600} data-testid="funnel-queued">
              {format.integer(funnel.queued)}
            </Table.Td>
            <Table.Td />
            <Table.Td />
          </Table.Tr>
        </Table.Tbody>
      </Table>
    </Stack>
  );
};
