import {
  Alert,
  Anchor,
  Badge,
  Center,
  Code,
  Grid,
  Group,
  Loader,
  Paper,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { CHANNELS, PURPOSES } from '@opencvm/core';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../api/client.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { customersMessages } from '../../i18n/customers-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import {
  type CustomerContact,
  type CustomerDetails,
  type CustomerEvent,
  type CustomerSegment,
  customerApi,
  type FieldValue,
  labelOf,
  type WorkspaceView,
} from './customer-api.ts';
import { CustomerJourneys } from './customer-journeys.tsx';
import { AttributeValue } from './customer-parts.tsx';

const CONTACT_FIELDS = ['msisdn', 'email', 'push_token', 'timezone', 'locale'] as const;
const STAMP_FIELDS = ['created_at', 'updated_at'] as const;

const Loading = () => {
  const c = useMessages(commonMessages);
  return (
    <Center p="md">
      <Loader size="sm" aria-label={c.loading} />
    </Center>
  );
};

const Section = ({ title, children }: { readonly title: string; readonly children: ReactNode }) => (
  <Paper withBorder p="md" component="section" aria-label={title}>
    <Stack gap="sm">
      <Title order={3} size="h4">
        {title}
      </Title>
      {children}
    </Stack>
  </Paper>
);

const FieldTable = ({
  rows,
}: {
  readonly rows: readonly { key: string; label: ReactNode; value: FieldValue }[];
}) => (
  <Table withRowBorders={false} verticalSpacing={4}>
    <Table.Tbody>
      {rows.map((row) => (
        <Table.Tr key={row.key}>
          <Table.Th w="45%" fw={500}>
            {row.label}
          </Table.Th>
          <Table.Td>
            <AttributeValue value={row.value} />
          </Table.Td>
        </Table.Tr>
      ))}
    </Table.Tbody>
  </Table>
);

const Attributes = ({
  customer,
  workspace,
}: {
  readonly customer: CustomerDetails['customer'];
  readonly workspace: WorkspaceView | null;
}) => {
  const t = useMessages(customersMessages);
  const declared = Object.entries(workspace?.customer.attributes ?? {});
  const known = new Set<string>([...CONTACT_FIELDS, ...STAMP_FIELDS, 'id']);
  const names =
    declared.length > 0
      ? declared.map(([name]) => name)
      : Object.keys(customer).filter((name) => !known.has(name) && !name.startsWith('consent_'));
  return (
    <FieldTable
      rows={[
        ...names.map((name) => {
          const description = workspace?.customer.attributes[name]?.description;
          return {
            key: name,
            label: (
              <Text span size="sm" fw={500} title={description}>
                {name}
              </Text>
            ),
            value: customer[name] ?? null,
          };
        }),
        ...STAMP_FIELDS.map((name) => ({
          key: name,
          label: labelOf(t.builtIn, name) ?? name,
          value: customer[name] ?? null,
        })),
      ]}
    />
  );
};

const Consent = ({ customer }: { readonly customer: CustomerDetails['customer'] }) => {
  const t = useMessages(customersMessages);
  const badge = (value: FieldValue | undefined) =>
    value === true ? (
      <Badge color="green" variant="light" style={{ textTransform: 'none' }}>
        {t.consentValue.yes}
      </Badge>
    ) : value === false ? (
      <Badge color="red" variant="light" style={{ textTransform: 'none' }}>
        {t.consentValue.no}
      </Badge>
    ) : (
      <Badge color="gray" variant="light" style={{ textTransform: 'none' }}>
        {t.consentValue.unknown}
      </Badge>
    );
  return (
    <Table withTableBorder aria-label={t.sections.consent}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t.channel}</Table.Th>
          {PURPOSES.map((purpose) => (
            <Table.Th key={purpose}>{labelOf(t.purposes, purpose) ?? purpose}</Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {CHANNELS.map((channel) => (
          <Table.Tr key={channel}>
            <Table.Th fw={500}>{labelOf(t.channels, channel) ?? channel}</Table.Th>
            {PURPOSES.map((purpose) => (
              <Table.Td key={purpose} data-testid={`consent-${channel}-${purpose}`}>
                {badge(customer[`consent_${channel}_${purpose}`])}
              </Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
};

const EventAttributes = ({ attributes }: { readonly attributes: CustomerEvent['attributes'] }) => {
  const entries = Object.entries(attributes);
  if (entries.length === 0) return null;
  return (
    <Group gap={6}>
      {entries.map(([name, value]) => (
        <Text key={name} size="sm" span>
          <Text span c="dimmed" size="sm">
            {name}:
          </Text>{' '}
          <AttributeValue value={value} />
        </Text>
      ))}
    </Group>
  );
};

const Events = ({
  events,
  currency,
}: {
  readonly events: readonly CustomerEvent[];
  readonly currency: string;
}) => {
  const t = useMessages(customersMessages);
  const format = useFormat();
  if (events.length === 0) return <Text c="dimmed">{t.events.none}</Text>;
  return (
    <>
      <Text size="sm" c="dimmed">
        {t.events.latest(events.length)}
      </Text>
      <Table striped withTableBorder aria-label={t.sections.events}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.events.time}</Table.Th>
            <Table.Th>{t.events.type}</Table.Th>
            <Table.Th ta="right">{t.events.amount}</Table.Th>
            <Table.Th>{t.events.attributes}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {events.map((event) => (
            <Table.Tr key={event.id}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{format.dateTime(event.ts)}</Table.Td>
              <Table.Td>
                <Badge variant="outline" color="gray">
                  {event.type}
                </Badge>
              </Table.Td>
              <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                {event.amount === null ? t.empty : format.money(event.amount, event.currency ?? currency)}
              </Table.Td>
              <Table.Td>
                <EventAttributes attributes={event.attributes} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </>
  );
};

const Segments = ({ segments }: { readonly segments: readonly CustomerSegment[] }) => {
  const t = useMessages(customersMessages);
  if (segments.length === 0) return <Text c="dimmed">{t.segments.noSegments}</Text>;
  const member = segments.filter((segment) => segment.member === true);
  const unknown = segments.filter((segment) => segment.member === null);
  return (
    <Stack gap="xs">
      {member.length === 0 ? (
        <Text c="dimmed">{t.segments.none}</Text>
      ) : (
        <Group gap="xs" aria-label={t.segments.member} data-testid="customer-segments">
          {member.map((segment) => (
            <Badge
              key={segment.id}
              size="lg"
              variant="light"
              component={Link}
              to={`/segments/${encodeURIComponent(segment.id)}`}
              title={segment.description ?? segment.id}
              style={{ cursor: 'pointer', textTransform: 'none' }}
            >
              {segment.name}
            </Badge>
          ))}
        </Group>
      )}
      {unknown.map((segment) => (
        <Text key={segment.id} size="sm" c="orange" title={segment.issue ?? undefined}>
          {segment.name}: {t.segments.notEvaluated}
        </Text>
      ))}
    </Stack>
  );
};

const CAP_OUTCOME = /^suppressed:cap:([a-z]+):([a-z]+)$/;

const Outcome = ({ outcome }: { readonly outcome: string }) => {
  const t = useMessages(customersMessages);
  const outcomeLabel = (value: string): string => {
    const cap = CAP_OUTCOME.exec(value);
    if (cap !== null) {
      const [, scope = '', period = ''] = cap;
      return t.outcomeCap(labelOf(t.capScopes, scope) ?? scope, labelOf(t.capPeriods, period) ?? period);
    }
    return labelOf(t.outcomes, value) ?? value;
  };
  const color =
    outcome === 'queued'
      ? 'green'
      : outcome === 'ucg' || outcome === 'control'
        ? 'blue'
        : outcome.startsWith('suppressed:')
          ? 'yellow'
          : 'gray';
  return (
    <Badge color={color} variant="light" style={{ textTransform: 'none' }}>
      {outcomeLabel(outcome)}
    </Badge>
  );
};

const campaignLabel = (contact: CustomerContact, deleted: (id: string) => string) =>
  contact.campaignName ?? deleted(contact.campaignId);

const ContactHistory = ({ contacts }: { readonly contacts: readonly CustomerContact[] }) => {
  const t = useMessages(customersMessages);
  const format = useFormat();
  if (contacts.length === 0) return <Text c="dimmed">{t.contacts.none}</Text>;
  return (
    <Table.ScrollContainer minWidth={800}>
      <Table striped withTableBorder aria-label={t.sections.contacts}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.contacts.time}</Table.Th>
            <Table.Th>{t.contacts.campaign}</Table.Th>
            <Table.Th>{t.contacts.offer}</Table.Th>
            <Table.Th>{t.contacts.channel}</Table.Th>
            <Table.Th>{t.contacts.outcome}</Table.Th>
            <Table.Th>{t.contacts.delivery}</Table.Th>
            <Table.Th>{t.contacts.sendAt}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {contacts.map((contact) => (
            <Table.Tr key={contact.runId}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{format.dateTime(contact.recordedAt)}</Table.Td>
              <Table.Td>
                {contact.campaignName === null ? (
                  campaignLabel(contact, t.contacts.deleted)
                ) : (
                  <Anchor component={Link} to={`/campaigns/${encodeURIComponent(contact.campaignId)}`}>
                    {contact.campaignName}
                  </Anchor>
                )}
                <Text size="xs" c="dimmed" title={t.contacts.run}>
                  {contact.runId}
                </Text>
              </Table.Td>
              <Table.Td>
                {contact.offerId === null ? t.empty : (contact.offerName ?? contact.offerId)}
              </Table.Td>
              <Table.Td>{labelOf(t.channels, contact.channel) ?? contact.channel}</Table.Td>
              <Table.Td>
                <Outcome outcome={contact.outcome} />
              </Table.Td>
              <Table.Td>
                {contact.deliveryStatus === null
                  ? t.empty
                  : (labelOf(t.delivery, contact.deliveryStatus) ?? contact.deliveryStatus)}
                {contact.deliveryAt !== null && (
                  <Text size="xs" c="dimmed">
                    {format.dateTime(contact.deliveryAt)}
                  </Text>
                )}
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                {contact.sendAt === null ? t.empty : format.dateTime(contact.sendAt)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
};

interface ReceivedOffer {
  readonly offerId: string;
  readonly name: string;
  readonly times: number;
  readonly last: string;
  readonly campaigns: readonly string[];
}

/** Offers sent: history rows whose message was queued with an offer, newest first per offer. */
const receivedOffers = (
  contacts: readonly CustomerContact[],
  deleted: (id: string) => string,
): ReceivedOffer[] => {
  const byOffer = new Map<string, ReceivedOffer>();
  for (const contact of contacts) {
    if (contact.outcome !== 'queued' || contact.offerId === null) continue;
    const at = contact.sendAt ?? contact.recordedAt;
    const campaign = campaignLabel(contact, deleted);
    const seen = byOffer.get(contact.offerId);
    byOffer.set(contact.offerId, {
      offerId: contact.offerId,
      name: seen?.name ?? contact.offerName ?? contact.offerId,
      times: (seen?.times ?? 0) + 1,
      last: seen === undefined || at > seen.last ? at : seen.last,
      campaigns:
        seen === undefined || seen.campaigns.includes(campaign)
          ? (seen?.campaigns ?? [campaign])
          : [...seen.campaigns, campaign],
    });
  }
  return [...byOffer.values()].sort((a, b) => (a.last < b.last ? 1 : -1));
};

const OffersReceived = ({ contacts }: { readonly contacts: readonly CustomerContact[] }) => {
  const t = useMessages(customersMessages);
  const format = useFormat();
  const offers = receivedOffers(contacts, t.contacts.deleted);
  if (offers.length === 0) return <Text c="dimmed">{t.offers.none}</Text>;
  return (
    <Table withTableBorder aria-label={t.sections.offers}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t.offers.offer}</Table.Th>
          <Table.Th ta="right">{t.offers.times}</Table.Th>
          <Table.Th>{t.offers.last}</Table.Th>
          <Table.Th>{t.offers.campaigns}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {offers.map((offer) => (
          <Table.Tr key={offer.offerId}>
            <Table.Td>
              <Anchor component={Link} to={`/offers/edit/${encodeURIComponent(offer.offerId)}`}>
                {offer.name}
              </Anchor>
            </Table.Td>
            <Table.Td ta="right">{format.integer(offer.times)}</Table.Td>
            <Table.Td>{format.dateTime(offer.last)}</Table.Td>
            <Table.Td>{offer.campaigns.join(', ')}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
};

const Relations = ({ relations }: { readonly relations: CustomerDetails['relations'] }) => {
  const t = useMessages(customersMessages);
  const format = useFormat();
  if (relations.length === 0) return <Text c="dimmed">{t.relations.none}</Text>;
  return (
    <Table withTableBorder aria-label={t.sections.relations}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t.relations.direction}</Table.Th>
          <Table.Th>{t.relations.customer}</Table.Th>
          <Table.Th>{t.relations.kind}</Table.Th>
          <Table.Th ta="right">{t.relations.weight}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {relations.slice(0, 20).map((relation) => (
          <Table.Tr key={`${relation.direction}-${relation.customerId}-${relation.kind}`}>
            <Table.Td>{relation.direction === 'out' ? t.relations.out : t.relations.in}</Table.Td>
            <Table.Td>
              <Anchor component={Link} to={`/customers/${encodeURIComponent(relation.customerId)}`}>
                {relation.customerId}
              </Anchor>
            </Table.Td>
            <Table.Td>{relation.kind}</Table.Td>
            <Table.Td ta="right">{format.decimal(relation.weight)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
};

/** `/customers/:id`: everything the workspace knows about one customer. */
export const CustomerDetail = () => {
  const t = useMessages(customersMessages);
  const id = useParams().id ?? '';
  const details = useLoad(() => customerApi.details(id), [id]);
  const segments = useLoad(() => customerApi.segments(id), [id]);
  const contacts = useLoad(() => customerApi.contacts(id), [id]);
  const journeys = useLoad(() => customerApi.journeys(id), [id]);
  const workspace = useLoad(() => customerApi.workspace(), []);
  const schema = workspace.status === 'ready' ? workspace.value : null;
  const currency = schema?.workspace.currency ?? 'EUR';

  const back = (
    <Anchor component={Link} to="/customers" size="sm">
      ← {t.backToSearch}
    </Anchor>
  );
  if (details.status === 'loading') return <Loading />;
  if (details.status === 'error') {
    return (
      <Stack>
        {back}
        {details.error instanceof ApiError && details.error.status === 404 ? (
          <Alert color="gray">{t.notFound(id)}</Alert>
        ) : (
          <ErrorAlert error={details.error} />
        )}
      </Stack>
    );
  }
  const { customer, lastEvents, relations } = details.value;
  const contactRows = CONTACT_FIELDS.map((name) => ({
    key: name,
    label: labelOf(t.builtIn, name) ?? name,
    value: customer[name] ?? null,
  }));

  return (
    <Stack>
      {back}
      <Group gap="xs" align="baseline">
        <Title order={2}>{t.customer}</Title>
        <Code fz="lg" data-testid="customer-id">
          {String(customer.id ?? id)}
        </Code>
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Section title={t.sections.attributes}>
            <Attributes customer={customer} workspace={schema} />
          </Section>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Stack>
            <Section title={t.sections.contact}>
              <FieldTable rows={contactRows} />
            </Section>
            <Section title={t.sections.consent}>
              <Consent customer={customer} />
            </Section>
            <Section title={t.sections.segments}>
              {segments.status === 'loading' && <Loading />}
              {segments.status === 'error' && <ErrorAlert error={segments.error} />}
              {segments.status === 'ready' && <Segments segments={segments.value.items} />}
            </Section>
          </Stack>
        </Grid.Col>
      </Grid>
      <Section title={t.sections.journeys}>
        {journeys.status === 'loading' && <Loading />}
        {journeys.status === 'error' && <ErrorAlert error={journeys.error} />}
        {journeys.status === 'ready' && <CustomerJourneys entries={journeys.value.items} />}
      </Section>
      <Section title={t.sections.offers}>
        {contacts.status === 'loading' && <Loading />}
        {contacts.status === 'error' && <ErrorAlert error={contacts.error} />}
        {contacts.status === 'ready' && <OffersReceived contacts={contacts.value.items} />}
      </Section>
      <Section title={t.sections.contacts}>
        {contacts.status === 'loading' && <Loading />}
        {contacts.status === 'error' && <ErrorAlert error={contacts.error} />}
        {contacts.status === 'ready' && <ContactHistory contacts={contacts.value.items} />}
      </Section>
      <Section title={t.sections.events}>
        <Events events={lastEvents} currency={currency} />
      </Section>
      <Section title={t.sections.relations}>
        <Relations relations={relations} />
      </Section>
    </Stack>
  );
};
