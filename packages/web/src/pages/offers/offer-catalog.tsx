import {
  Alert,
  Anchor,
  Badge,
  Button,
  Center,
  Group,
  Loader,
  Modal,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useAuth } from '../../auth.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { offersMessages } from '../../i18n/offers-messages.ts';
import { offerApi, type StoredOffer } from './offer-api.ts';

type SortKey = 'name' | 'kind' | 'value' | 'cost' | 'validity' | 'priority';

/** Orders two non-negative decimal texts ("12.5", "3") exactly, without floating point. */
export const compareDecimal = (a: string, b: string): number => {
  const [aInt = '0', aFrac = ''] = a.split('.');
  const [bInt = '0', bFrac = ''] = b.split('.');
  const aWhole = aInt.replace(/^0+(?=\d)/, '');
  const bWhole = bInt.replace(/^0+(?=\d)/, '');
  if (aWhole.length !== bWhole.length) return aWhole.length - bWhole.length;
  if (aWhole !== bWhole) return aWhole < bWhole ? -1 : 1;
  const width = Math.max(aFrac.length, bFrac.length);
  const aF = aFrac.padEnd(width, '0');
  const bF = bFrac.padEnd(width, '0');
  return aF === bF ? 0 : aF < bF ? -1 : 1;
};

/** Today as `YYYY-MM-DD` in the browser's zone: close enough to tell active offers from others. */
const today = (): string => {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
};

const compareBy =
  (key: SortKey) =>
  (a: StoredOffer, b: StoredOffer): number => {
    switch (key) {
      case 'name':
        return a.offer.name.localeCompare(b.offer.name);
      case 'kind':
        return a.offer.kind.localeCompare(b.offer.kind);
      case 'value':
        return compareDecimal(a.offer.value, b.offer.value);
      case 'cost':
        return compareDecimal(a.offer.cost, b.offer.cost);
      case 'validity':
        return a.offer.validFrom.localeCompare(b.offer.validFrom);
      case 'priority':
        return a.offer.priority - b.offer.priority;
    }
  };

/** `/offers`: the catalog, sortable and filterable, with edit and delete for those who may write. */
export const OfferCatalog = () => {
  const t = useMessages(offersMessages);
  const c = useMessages(commonMessages);
  const format = useFormat();
  const mayWrite = useAuth().can('offers.write');
  const offers = useLoad(() => offerApi.list(), []);
  const workspace = useLoad(() => offerApi.workspace(), []);
  const currency = workspace.status === 'ready' ? workspace.value.workspace.currency : null;
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'name', descending: false });
  const [removing, setRemoving] = useState<StoredOffer | null>(null);
  const [removeError, setRemoveError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const rows = useMemo(() => {
    if (offers.status !== 'ready') return [];
    const needle = filter.trim().toLowerCase();
    const shown = offers.value.filter(
      (stored) =>
        needle === '' || stored.offer.name.toLowerCase().includes(needle) || stored.offer.id.includes(needle),
    );
    const ordered = [...shown].sort(compareBy(sort.key));
    return sort.descending ? ordered.reverse() : ordered;
  }, [offers, filter, sort]);

  const money = (amount: string) => (currency === null ? amount : format.money(amount, currency));
  const date = today();

  const header = (key: SortKey, label: string, align?: 'right') => (
    <Table.Th
      ta={align}
      aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : 'none'}
    >
      <UnstyledButton
        onClick={() => setSort({ key, descending: sort.key === key ? !sort.descending : false })}
        aria-label={t.catalog.sortBy(label)}
        fw={600}
        fz="sm"
      >
        {label} {sort.key === key ? (sort.descending ? '↓' : '↑') : ''}
      </UnstyledButton>
    </Table.Th>
  );

  const confirmRemove = async () => {
    if (removing === null) return;
    setBusy(true);
    setRemoveError(null);
    try {
      await offerApi.remove(removing.offer.id);
      setRemoving(null);
      offers.reload();
    } catch (error) {
      setRemoveError(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={3}>{t.catalog.title}</Title>
        {mayWrite && (
          <Button component={Link} to="/offers/new">
            {t.catalog.create}
          </Button>
        )}
      </Group>
      {offers.status === 'loading' && (
        <Center p="xl">
          <Loader aria-label={c.loading} />
        </Center>
      )}
      {offers.status === 'error' && <ErrorAlert error={offers.error} />}
      {offers.status === 'ready' && offers.value.length === 0 && (
        <Alert color="gray">{mayWrite ? t.catalog.empty : t.catalog.emptyReadOnly}</Alert>
      )}
      {offers.status === 'ready' && offers.value.length > 0 && (
        <>
          <Group justify="space-between">
            <TextInput
              label={t.catalog.filter}
              value={filter}
              onChange={(event) => setFilter(event.currentTarget.value)}
              w={320}
            />
            <Text size="sm" c="dimmed" data-testid="offer-count">
              {t.catalog.count(rows.length)}
            </Text>
          </Group>
          <Table.ScrollContainer minWidth={900}>
            <Table striped highlightOnHover withTableBorder aria-label={t.catalog.title}>
              <Table.Thead>
                <Table.Tr>
                  {header('name', t.columns.name)}
                  {header('kind', t.columns.kind)}
                  {header('value', t.columns.value, 'right')}
                  {header('cost', t.columns.cost, 'right')}
                  {header('validity', t.columns.validity)}
                  {header('priority', t.columns.priority, 'right')}
                  <Table.Th>{t.columns.channels}</Table.Th>
                  {mayWrite && <Table.Th>{t.columns.actions}</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map(({ offer }) => {
                  const state =
                    offer.validFrom > date
                      ? { label: t.catalog.upcoming, color: 'blue' }
                      : offer.validTo !== undefined && offer.validTo < date
                        ? { label: t.catalog.expired, color: 'gray' }
                        : { label: t.catalog.activeNow, color: 'green' };
                  return (
                    <Table.Tr key={offer.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/offers/edit/${encodeURIComponent(offer.id)}`}>
                          {offer.name}
                        </Anchor>
                        <Text size="xs" c="dimmed">
                          {offer.id}
                        </Text>
                      </Table.Td>
                      <Table.Td>{t.kinds[offer.kind]}</Table.Td>
                      <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                        {money(offer.value)}
                      </Table.Td>
                      <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                        {money(offer.cost)}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                          {format.date(offer.validFrom)} –{' '}
                          {offer.validTo === undefined ? t.catalog.noValidTo : format.date(offer.validTo)}
                        </Text>
                        <Badge size="xs" variant="light" color={state.color}>
                          {state.label}
                        </Badge>
                      </Table.Td>
                      <Table.Td ta="right">{format.integer(offer.priority)}</Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          {offer.channels.map((channel) => (
                            <Badge key={channel} variant="outline" size="sm">
                              {t.channels[channel]}
                            </Badge>
                          ))}
                        </Group>
                      </Table.Td>
                      {mayWrite && (
                        <Table.Td>
                          <Group gap="xs" wrap="nowrap">
                            <Button
                              size="xs"
                              variant="default"
                              component={Link}
                              to={`/offers/edit/${encodeURIComponent(offer.id)}`}
                              aria-label={t.catalog.edit(offer.name)}
                            >
                              {t.catalog.editButton}
                            </Button>
                            <Button
                              size="xs"
                              variant="light"
                              color="red"
                              onClick={() => {
                                setRemoveError(null);
                                setRemoving({ offer, createdAt: '', updatedAt: '' });
                              }}
                              aria-label={t.catalog.remove(offer.name)}
                            >
                              {c.delete}
                            </Button>
                          </Group>
                        </Table.Td>
                      )}
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}
      <Modal opened={removing !== null} onClose={() => setRemoving(null)} title={t.remove.title} centered>
        <Stack>
          <Text>{removing === null ? '' : t.remove.body(removing.offer.name)}</Text>
          <ErrorAlert error={removeError} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRemoving(null)}>
              {t.remove.cancel}
            </Button>
            <Button color="red" onClick={() => void confirmRemove()} loading={busy}>
              {t.remove.confirm}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
};
