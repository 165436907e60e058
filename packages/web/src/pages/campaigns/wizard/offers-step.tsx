import { Alert, Anchor, Code, Loader, MultiSelect, Stack, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { ErrorAlert } from '../../../components/error-alert.tsx';
import { useLoad } from '../../../components/use-api.ts';
import { useFormat } from '../../../i18n/i18n.tsx';
import { campaignApi } from '../campaign-api.ts';
import { messagesAt } from '../campaign-form.ts';
import { EligibleAudience } from './eligible-audience.tsx';
import type { StepProps } from './step-props.ts';

/** Step 2: the offers the campaign makes, and who of the audience may have them. */
export const OffersStep = ({ form, update, issues, t }: StepProps) => {
  const offers = useLoad(() => campaignApi.offers(), []);
  const format = useFormat();
  if (offers.status === 'loading') return <Loader />;
  if (offers.status === 'error') return <ErrorAlert error={offers.error} />;
  const list = offers.value;
  return (
    <Stack>
      {list.length === 0 ? (
        <Alert color="yellow">
          <Stack gap="xs">
            <Text size="sm">{t.noOffers}</Text>
            <Anchor component={Link} to="/offers" size="sm">
              {t.offersLink} →
            </Anchor>
          </Stack>
        </Alert>
      ) : (
        <MultiSelect
          label={t.offers}
          description={t.offersHint}
          data={list.map(({ offer }) => ({ value: offer.id, label: `${offer.name} (${offer.id})` }))}
          value={[...form.offers]}
          onChange={(value) => update('offers', value)}
          searchable
          error={messagesAt(issues, 'offers')}
        />
      )}
      {list.length > 0 && form.offers.length > 0 && (
        <Table withTableBorder striped aria-label={t.offers}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t.columns.name}</Table.Th>
              <Table.Th>{t.columns.id}</Table.Th>
              <Table.Th>{t.columns.channel}</Table.Th>
              <Table.Th>{t.validFrom}</Table.Th>
              <Table.Th>{t.validTo}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list
              .filter(({ offer }) => form.offers.includes(offer.id))
              .map(({ offer }) => (
                <Table.Tr key={offer.id}>
                  <Table.Td>{offer.name}</Table.Td>
                  <Table.Td>
                    <Code>{offer.id}</Code>
                  </Table.Td>
                  <Table.Td>{offer.channels.join(', ')}</Table.Td>
                  <Table.Td>{format.date(offer.validFrom)}</Table.Td>
                  <Table.Td>{offer.validTo === undefined ? '—' : format.date(offer.validTo)}</Table.Td>
                </Table.Tr>
              ))}
          </Table.Tbody>
        </Table>
      )}
      <EligibleAudience form={form} offers={list} t={t} />
      <Anchor component={Link} to="/offers" size="sm">
        {t.offersLink} →
      </Anchor>
    </Stack>
  );
};
