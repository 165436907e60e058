import { Loader, Stack, Table, Text } from '@mantine/core';
import { ErrorAlert } from '../../../components/error-alert.tsx';
import { useLoad } from '../../../components/use-api.ts';
import type { CampaignsMessages } from '../../../i18n/campaigns-messages.ts';
import { useFormat } from '../../../i18n/i18n.tsx';
import { campaignApi } from '../campaign-api.ts';

/** The caps and quiet hours in force, as the policy step shows them. */
export const PolicySummary = ({ t }: { readonly t: CampaignsMessages }) => {
  const format = useFormat();
  const policy = useLoad(() => campaignApi.contactPolicy(), []);
  if (policy.status === 'loading') return <Loader size="sm" />;
  if (policy.status === 'error') return <ErrorAlert error={policy.error} />;
  const { caps, quietHours } = policy.value.policy;
  const scopes = Object.entries(caps).filter(([, periods]) => periods !== undefined);
  const quiet = Object.entries(quietHours);
  const scopeLabel = (scope: string) =>
    scope === 'total'
      ? t.capTotal
      : scope === 'default'
        ? t.quietDefault
        : (new Map(Object.entries(t.channels)).get(scope) ?? scope);
  const sourceLabel =
    new Map(Object.entries(t.policySources)).get(policy.value.source) ?? policy.value.source;
  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">
        {t.policySource(sourceLabel, format.integer(policy.value.version))}
      </Text>
      {scopes.length === 0 && quiet.length === 0 && <Text>{t.noPolicy}</Text>}
      {scopes.length > 0 && (
        <Table withTableBorder aria-label={t.capsTitle}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t.capScope}</Table.Th>
              <Table.Th ta="right">{t.periods.day}</Table.Th>
              <Table.Th ta="right">{t.periods.week}</Table.Th>
              <Table.Th ta="right">{t.periods.month}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {scopes.map(([scope, periods]) => (
              <Table.Tr key={scope}>
                <Table.Td>{scopeLabel(scope)}</Table.Td>
                {(['day', 'week', 'month'] as const).map((period) => (
                  <Table.Td key={period} ta="right">
                    {periods?.[period] === undefined ? t.noCap : format.integer(periods[period])}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {quiet.length > 0 && (
        <>
          <Text fw={600} size="sm">
            {t.quietHoursTitle}
          </Text>
          {quiet.map(([scope, hours]) => (
            <Text key={scope} size="sm">
              {scopeLabel(scope)}:{' '}
              {hours === null || hours === undefined ? t.quietNone : t.quietRange(hours.from, hours.to)}
            </Text>
          ))}
        </>
      )}
    </Stack>
  );
};
