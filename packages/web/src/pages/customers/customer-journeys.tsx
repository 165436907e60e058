import { Anchor, Badge, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { customersMessages } from '../../i18n/customers-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import type { CustomerJourneyEntry } from './customer-api.ts';

/** Where the customer is in a journey now, or why and where they left it. */
const Whereabouts = ({ entry }: { readonly entry: CustomerJourneyEntry }) => {
  const t = useMessages(customersMessages).journeys;
  const format = useFormat();
  if (entry.status === 'left') {
    const reason = entry.exitReason === null ? '—' : t.reasons[entry.exitReason];
    return (
      <Text size="sm">
        {t.left(reason)}
        {entry.exitDetail === null ? '' : ` (${entry.exitDetail})`}
        {entry.exitNode === null ? '' : `, ${t.atNode(entry.exitNode)}`}
        {entry.leftAt === null ? '' : ` · ${format.dateTime(entry.leftAt)}`}
      </Text>
    );
  }
  const position = entry.position;
  if (position === null) return <Text size="sm">—</Text>;
  return (
    <Text size="sm">
      <Text span fw={600} data-testid={`journey-step-${entry.journeyId}`}>
        {t.atStep(position.node)}
      </Text>
      {position.awaiting !== null && ` · ${t.awaiting(position.awaiting)}`}
      {position.wakeAt !== null && ` · ${t.waitingUntil(format.dateTime(position.wakeAt))}`}
    </Text>
  );
};

/** The journeys the customer entered: each with its group, when, and where they are or why they left. */
export const CustomerJourneys = ({ entries }: { readonly entries: readonly CustomerJourneyEntry[] }) => {
  const t = useMessages(customersMessages);
  const format = useFormat();
  if (entries.length === 0) return <Text c="dimmed">{t.journeys.none}</Text>;
  return (
    <Table.ScrollContainer minWidth={700}>
      <Table striped withTableBorder aria-label={t.sections.journeys}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.journeys.journey}</Table.Th>
            <Table.Th>{t.journeys.group}</Table.Th>
            <Table.Th>{t.journeys.enteredAt}</Table.Th>
            <Table.Th>{t.journeys.status}</Table.Th>
            <Table.Th>{t.journeys.where}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.map((entry) => (
            <Table.Tr key={entry.id} data-testid={`customer-journey-${entry.journeyId}`}>
              <Table.Td>
                <Anchor component={Link} to={`/journeys/${encodeURIComponent(entry.journeyId)}`}>
                  {entry.journeyName ?? entry.journeyId}
                </Anchor>
              </Table.Td>
              <Table.Td>{t.journeys.groups[entry.group]}</Table.Td>
              <Table.Td>{format.dateTime(entry.enteredAt)}</Table.Td>
              <Table.Td>
                <Badge
                  variant="light"
                  color={entry.status === 'active' ? 'green' : 'gray'}
                  style={{ textTransform: 'none' }}
                >
                  {t.journeys.statuses[entry.status]}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Whereabouts entry={entry} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
};
