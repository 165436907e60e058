import {
  Alert,
  Anchor,
  Button,
  Center,
  Group,
  Loader,
  Modal,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  Textarea,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { CAMPAIGN_STATUSES, type CampaignStatus } from '@opencvm/core';
import { useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useAuth } from '../../auth.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { campaignsMessages } from '../../i18n/campaigns-messages.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { campaignApi, type StoredCampaign } from './campaign-api.ts';
import { StatusBadge, useScheduleText } from './campaign-parts.tsx';
import { TemplateGallery } from './template-gallery.tsx';

type SortKey = 'name' | 'status' | 'updated';

const isStatus = (value: string | null): value is CampaignStatus =>
  CAMPAIGN_STATUSES.some((status) => status === value);

/** The signed-in user's name, which the API records as author, submitter and approver. */
export const useUserName = (): string | null => {
  const auth = useAuth();
  return auth.state.status === 'signed-in' ? auth.state.session.name : null;
};

/** Whether this user may approve or reject `stored`: the right role, and not its author or submitter. */
export const useMayDecide = () => {
  const auth = useAuth();
  const me = useUserName();
  return (stored: StoredCampaign) =>
    auth.can('campaigns.approve') &&
    stored.campaign.status === 'pending_approval' &&
    me !== stored.campaign.createdBy &&
    me !== stored.campaign.submittedBy;
};

const Loading = () => {
  const c = useMessages(commonMessages);
  return (
    <Center p="xl">
      <Loader aria-label={c.loading} />
    </Center>
  );
};

const SortHeader = ({
  label,
  column,
  sort,
  onSort,
}: {
  readonly label: string;
  readonly column: SortKey;
  readonly sort: { key: SortKey; descending: boolean };
  readonly onSort: (key: SortKey) => void;
}) => {
  const t = useMessages(campaignsMessages);
  const active = sort.key === column;
  return (
    <Table.Th aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : undefined}>
      <UnstyledButton onClick={() => onSort(column)} aria-label={t.sortBy(label)} fw={700} fz="sm">
        {label} {active ? (sort.descending ? '▼' : '▲') : ''}
      </UnstyledButton>
    </Table.Th>
  );
};

const CampaignTable = () => {
  const t = useMessages(campaignsMessages);
  const format = useFormat();
  const scheduleText = useScheduleText();
  const [params, setParams] = useSearchParams();
  const statusParam = params.get('status');
  const status = isStatus(statusParam) ? statusParam : null;
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({
    key: 'updated',
    descending: true,
  });
  const loaded = useLoad(() => campaignApi.list(status), [status]);
  const rows = useMemo(() => {
    if (loaded.status !== 'ready') return [];
    const order = (a: StoredCampaign, b: StoredCampaign): number => {
      switch (sort.key) {
        case 'name':
          return a.campaign.name.localeCompare(b.campaign.name);
        case 'status':
          return CAMPAIGN_STATUSES.indexOf(a.campaign.status) - CAMPAIGN_STATUSES.indexOf(b.campaign.status);
        case 'updated':
          return a.updatedAt.localeCompare(b.updatedAt);
      }
    };
    return [...loaded.value].sort((a, b) => (sort.descending ? -order(a, b) : order(a, b)));
  }, [loaded, sort]);
  const onSort = (key: SortKey) =>
    setSort((current) => ({
      key,
      descending: current.key === key ? !current.descending : key === 'updated',
    }));

  return (
    <Stack>
      <Group>
        <Select
          label={t.statusFilter}
          data={[
            { value: '', label: t.allStatuses },
            ...CAMPAIGN_STATUSES.map((value) => ({ value, label: t.statuses[value] })),
          ]}
          value={status ?? ''}
          onChange={(value) => {
            const next = new URLSearchParams(params);
            if (value === null || value === '') next.delete('status');
            else next.set('status', value);
            setParams(next, { replace: true });
          }}
          allowDeselect={false}
          w={240}
        />
      </Group>
      {loaded.status === 'loading' && <Loading />}
      {loaded.status === 'error' && <ErrorAlert error={loaded.error} />}
      {loaded.status === 'ready' && rows.length === 0 && (
        <Alert color="gray">{status === null ? t.noCampaigns : t.noCampaignsOfStatus}</Alert>
      )}
      {loaded.status === 'ready' && rows.length > 0 && (
        <Table striped highlightOnHover withTableBorder aria-label={t.title}>
          <Table.Thead>
            <Table.Tr>
              <SortHeader label={t.columns.name} column="name" sort={sort} onSort={onSort} />
              <Table.Th>{t.columns.id}</Table.Th>
              <SortHeader label={t.columns.status} column="status" sort={sort} onSort={onSort} />
              <Table.Th>{t.columns.channel}</Table.Th>
              <Table.Th>{t.columns.schedule}</Table.Th>
              <Table.Th>{t.columns.author}</Table.Th>
              <SortHeader label={t.columns.updated} column="updated" sort={sort} onSort={onSort} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map(({ campaign, updatedAt }) => (
              <Table.Tr key={campaign.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/campaigns/${campaign.id}`}>
                    {campaign.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Text ff="monospace" size="sm">
                    {campaign.id}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={campaign.status} />
                </Table.Td>
                <Table.Td>{t.channels[campaign.channel]}</Table.Td>
                <Table.Td>{scheduleText(campaign.schedule)}</Table.Td>
                <Table.Td>{campaign.createdBy}</Table.Td>
                <Table.Td>{format.dateTime(updatedAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
};

/** Pending campaigns, with approve and reject for approvers who did not write or submit them. */
const ApprovalQueue = ({ onChanged }: { readonly onChanged: () => void }) => {
  const t = useMessages(campaignsMessages);
  const c = useMessages(commonMessages);
  const format = useFormat();
  const auth = useAuth();
  const mayDecide = useMayDecide();
  const loaded = useLoad(() => campaignApi.list('pending_approval'), []);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<StoredCampaign | null>(null);
  const [note, setNote] = useState('');
  const [done, setDone] = useState<string | null>(null);

  const decide = async (stored: StoredCampaign, action: 'approve' | 'reject', reason?: string) => {
    setBusy(`${stored.campaign.id}:${action}`);
    setError(null);
    setDone(null);
    try {
      await campaignApi.act(stored.campaign.id, action, {
        version: stored.version,
        ...(reason === undefined ? {} : { note: reason }),
      });
      setDone(`${t.done(t.actions[action])} — ${stored.campaign.name}`);
      setRejecting(null);
      setNote('');
      loaded.reload();
      onChanged();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Stack>
      <Text c="dimmed">{t.approvalHint}</Text>
      <ErrorAlert error={error} />
      {done !== null && (
        <Alert color="green" role="status">
          {done}
        </Alert>
      )}
      {loaded.status === 'loading' && <Loading />}
      {loaded.status === 'error' && <ErrorAlert error={loaded.error} />}
      {loaded.status === 'ready' && loaded.value.length === 0 && <Alert color="gray">{t.noApprovals}</Alert>}
      {loaded.status === 'ready' && loaded.value.length > 0 && (
        <Table striped withTableBorder aria-label={t.tabs.approvals}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t.columns.name}</Table.Th>
              <Table.Th>{t.columns.channel}</Table.Th>
              <Table.Th>{t.columns.author}</Table.Th>
              <Table.Th>{t.columns.submittedBy}</Table.Th>
              <Table.Th>{t.columns.submittedAt}</Table.Th>
              {auth.can('campaigns.approve') && <Table.Th>{t.columns.actions}</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {loaded.value.map((stored) => {
              const { campaign } = stored;
              return (
                <Table.Tr key={campaign.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/campaigns/${campaign.id}`}>
                      {campaign.name}
                    </Anchor>
                    <Text size="xs" c="dimmed" ff="monospace">
                      {campaign.id}
                    </Text>
                  </Table.Td>
                  <Table.Td>{t.channels[campaign.channel]}</Table.Td>
                  <Table.Td>{campaign.createdBy}</Table.Td>
                  <Table.Td>{campaign.submittedBy ?? '—'}</Table.Td>
                  <Table.Td>
                    {campaign.submittedAt === undefined ? '—' : format.dateTime(campaign.submittedAt)}
                  </Table.Td>
                  {auth.can('campaigns.approve') && (
                    <Table.Td>
                      {mayDecide(stored) ? (
                        <Group gap="xs">
                          <Button
                            size="xs"
                            color="green"
                            loading={busy === `${campaign.id}:approve`}
                            onClick={() => void decide(stored, 'approve')}
                            aria-label={`${t.actions.approve}: ${campaign.name}`}
                          >
                            {t.actions.approve}
                          </Button>
                          <Button
                            size="xs"
                            color="red"
                            variant="light"
                            onClick={() => setRejecting(stored)}
                            aria-label={`${t.actions.reject}: ${campaign.name}`}
                          >
                            {t.actions.reject}
                          </Button>
                        </Group>
                      ) : (
                        <Text size="sm" c="dimmed">
                          {t.ownCampaign}
                        </Text>
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={rejecting !== null} onClose={() => setRejecting(null)} title={t.rejectTitle}>
        <Stack>
          <Text fw={600}>{rejecting?.campaign.name}</Text>
          <Textarea
            label={t.rejectNote}
            value={note}
            onChange={(event) => setNote(event.currentTarget.value)}
            autosize
            minRows={3}
            maxLength={2000}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRejecting(null)}>
              {c.cancel}
            </Button>
            <Button
              color="red"
              loading={rejecting !== null && busy === `${rejecting.campaign.id}:reject`}
              onClick={() => rejecting !== null && void decide(rejecting, 'reject', note.trim() || undefined)}
            >
              {t.actions.reject}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
};

/** The Campaigns area's first page: all campaigns, the approval queue and the scenario gallery. */
export const CampaignList = () => {
  const t = useMessages(campaignsMessages);
  const auth = useAuth();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'campaigns';
  const pending = useLoad(() => campaignApi.list('pending_approval'), []);
  const pendingCount = pending.status === 'ready' ? pending.value.length : null;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t.title}</Title>
        {auth.can('campaigns.write') && (
          <Button onClick={() => navigate('/campaigns/new')}>{t.newCampaign}</Button>
        )}
      </Group>
      <Tabs
        value={tab}
        onChange={(value) => {
          const next = new URLSearchParams();
          if (value !== null && value !== 'campaigns') next.set('tab', value);
          setParams(next, { replace: true });
        }}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="campaigns">{t.tabs.campaigns}</Tabs.Tab>
          <Tabs.Tab
            value="approvals"
            rightSection={
              pendingCount ? (
                <Text size="xs" fw={700} data-testid="approval-count">
                  {pendingCount}
                </Text>
              ) : null
            }
          >
            {t.tabs.approvals}
          </Tabs.Tab>
          {auth.can('data.read') && <Tabs.Tab value="gallery">{t.tabs.gallery}</Tabs.Tab>}
        </Tabs.List>
        <Tabs.Panel value="campaigns" pt="md">
          <CampaignTable />
        </Tabs.Panel>
        <Tabs.Panel value="approvals" pt="md">
          <ApprovalQueue onChanged={pending.reload} />
        </Tabs.Panel>
        {auth.can('data.read') && (
          <Tabs.Panel value="gallery" pt="md">
            <TemplateGallery />
          </Tabs.Panel>
        )}
      </Tabs>
    </Stack>
  );
};
