import {
  Alert,
  Anchor,
  Button,
  Card,
  Center,
  Code,
  Group,
  Loader,
  Modal,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { allowedActions, type Campaign, type CampaignAction } from '@opencvm/core';
import { type ReactNode, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../../api/client.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorAlert, useErrorText } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { campaignsMessages } from '../../i18n/campaigns-messages.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { campaignApi, type StoredCampaign } from './campaign-api.ts';
import { useMayDecide } from './campaign-list.tsx';
import { StatusBadge, useScheduleText } from './campaign-parts.tsx';
import { RunList } from './run-list.tsx';

/** What the user is asked to confirm before an action takes effect. */
type Pending =
  | { readonly kind: 'action'; readonly action: CampaignAction }
  | { readonly kind: 'run' }
  | { readonly kind: 'delete' };

const Row = ({ label, children }: { readonly label: string; readonly children: ReactNode }) => (
  <Table.Tr>
    <Table.Th w="28%" scope="row">
      {label}
    </Table.Th>
    <Table.Td>{children}</Table.Td>
  </Table.Tr>
);

/** The first field of each locale's content, as a reader checks it. */
const contentLines = (content: Campaign['content']): { locale: string; text: string }[] => {
  switch (content.type) {
    case 'sms':
      return Object.entries(content.locales).map(([locale, fields]) => ({ locale, text: fields.text }));
    case 'email':
      return Object.entries(content.locales).map(([locale, fields]) => ({ locale, text: fields.subject }));
    case 'push':
      return Object.entries(content.locales).map(([locale, fields]) => ({
        locale,
        text: `${fields.title} — ${fields.body}`,
      }));
    case 'webhook':
      return Object.entries(content.locales).map(([locale, fields]) => ({
        locale,
        text: JSON.stringify(fields.payload),
      }));
  }
};

const Definition = ({ stored }: { readonly stored: StoredCampaign }) => {
  const t = useMessages(campaignsMessages);
  const format = useFormat();
  const scheduleText = useScheduleText();
  const { campaign } = stored;
  return (
    <Table withTableBorder aria-label={t.definition}>
      <Table.Tbody>
        <Row label={t.audienceSummary}>
          {campaign.audience.type === 'segment' ? (
            t.segmentSummary(campaign.audience.segment)
          ) : (
            <Stack gap={2}>
              <Text size="sm">{t.ruleSummary}</Text>
              <Code block mah={240} style={{ overflow: 'auto' }}>
                {JSON.stringify(campaign.audience.rule, null, 2)}
              </Code>
            </Stack>
          )}
        </Row>
        <Row label={t.offersSummary}>{campaign.offers.join(', ')}</Row>
        <Row label={t.columns.channel}>{t.channels[campaign.channel]}</Row>
        <Row label={t.contentSummary}>
          <Stack gap={4}>
            {contentLines(campaign.content).map((line) => (
              <Text key={line.locale} size="sm">
                <Code>{line.locale}</Code> {line.text}
              </Text>
            ))}
          </Stack>
        </Row>
        <Row label={t.scheduleSummary}>{scheduleText(campaign.schedule)}</Row>
        <Row label={t.controlSummary}>{format.percent(campaign.controlShare / 100)}</Row>
        <Row label={t.goalSummary}>
          {t.goalText(
            t.kpis[campaign.goal.kpi],
            campaign.goal.eventType,
            format.integer(campaign.goal.attributionDays),
          )}
          {campaign.goal.expectedLiftPercent !== undefined &&
            `; ${t.liftText(format.percent(campaign.goal.expectedLiftPercent / 100))}`}
        </Row>
        <Row label={t.prioritySummary}>{format.integer(campaign.priority)}</Row>
        <Row label={t.volumeCapSummary}>
          {campaign.volumeCap === undefined ? t.noVolumeCap : format.integer(campaign.volumeCap)}
        </Row>
        <Row label={t.purposeSummary}>{t.purposes[campaign.purpose]}</Row>
        <Row label={t.people}>
          <Stack gap={2}>
            <Text size="sm">{t.createdBy(campaign.createdBy)}</Text>
            {campaign.submittedBy !== undefined && campaign.submittedAt !== undefined && (
              <Text size="sm">
                {t.submittedByText(campaign.submittedBy, format.dateTime(campaign.submittedAt))}
              </Text>
            )}
            {campaign.approvedBy !== undefined && campaign.approvedAt !== undefined && (
              <Text size="sm">
                {t.approvedByText(campaign.approvedBy, format.dateTime(campaign.approvedAt))}
              </Text>
            )}
          </Stack>
        </Row>
      </Table.Tbody>
    </Table>
  );
};

const History = ({ campaign }: { readonly campaign: Campaign }) => {
  const t = useMessages(campaignsMessages);
  const format = useFormat();
  if (campaign.history.length === 0) return <Text c="dimmed">{t.noHistory}</Text>;
  return (
    <Table striped withTableBorder aria-label={t.history}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t.historyAt}</Table.Th>
          <Table.Th>{t.historyAction}</Table.Th>
          <Table.Th>{t.historyChange}</Table.Th>
          <Table.Th>{t.historyBy}</Table.Th>
          <Table.Th>{t.historyNote}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {[...campaign.history].reverse().map((entry) => (
          <Table.Tr key={`${entry.at}:${entry.action}`}>
            <Table.Td>{format.dateTime(entry.at)}</Table.Td>
            <Table.Td>{t.actions[entry.action]}</Table.Td>
            <Table.Td>
              {t.statuses[entry.from]} → {t.statuses[entry.to]}
            </Table.Td>
            <Table.Td>{entry.by}</Table.Td>
            <Table.Td>{entry.note ?? ''}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
};

/** One campaign: definition, history, the actions the user's role allows, and its runs. */
export const CampaignView = () => {
  const t = useMessages(campaignsMessages);
  const c = useMessages(commonMessages);
  const errorText = useErrorText();
  const { id = '' } = useParams();
  const auth = useAuth();
  const navigate = useNavigate();
  const mayDecide = useMayDecide();
  const loaded = useLoad(() => campaignApi.show(id), [id]);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState<Pending | null>(null);
  const [note, setNote] = useState('');
  const [runsKey, setRunsKey] = useState(0);

  if (loaded.status === 'loading')
    return (
      <Center p="xl">
        <Loader aria-label={c.loading} />
      </Center>
    );
  if (loaded.status === 'error')
    return (
      <Stack>
        <Anchor component={Link} to="/campaigns">
          ← {t.backToList}
        </Anchor>
        <ErrorAlert error={loaded.error} />
      </Stack>
    );
  const stored = loaded.value;
  const { campaign } = stored;

  const mayAct = (action: CampaignAction): boolean => {
    if (!allowedActions(campaign.status).includes(action)) return false;
    if (action === 'submit') return auth.can('campaigns.write');
    if (action === 'approve' || action === 'reject') return mayDecide(stored);
    return auth.can('campaigns.approve');
  };
  const actionLabel = (p: Pending): string =>
    p.kind === 'action' ? t.actions[p.action] : p.kind === 'run' ? t.runNow : t.deleteDraft;

  const perform = async (p: Pending) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      if (p.kind === 'delete') {
        await campaignApi.remove(campaign.id, stored.version);
        navigate('/campaigns');
        return;
      }
      if (p.kind === 'run') await campaignApi.runNow(campaign.id);
      else
        await campaignApi.act(campaign.id, p.action, {
          version: stored.version,
          ...(p.action === 'reject' && note.trim() !== '' ? { note: note.trim() } : {}),
        });
      setDone(t.done(actionLabel(p)));
      setPending(null);
      setNote('');
      loaded.reload();
      setRunsKey((key) => key + 1);
    } catch (caught) {
      setError(caught);
      setPending(null);
    } finally {
      setBusy(false);
    }
  };
  /** Approve and submit go at once; the rest are asked first. */
  const request = (p: Pending) => {
    if (p.kind === 'action' && (p.action === 'approve' || p.action === 'submit')) void perform(p);
    else setPending(p);
  };
  const confirmText = (p: Pending): string => {
    if (p.kind === 'run') return t.confirmRunNow;
    if (p.kind === 'delete') return t.confirmDelete;
    switch (p.action) {
      case 'stop':
        return t.confirmStop;
      case 'complete':
        return t.confirmComplete;
      case 'start':
        return t.confirmStart;
      default:
        return '';
    }
  };
  const destructive = (p: Pending) =>
    p.kind === 'delete' || (p.kind === 'action' && (p.action === 'stop' || p.action === 'reject'));
  const isDraft = campaign.status === 'draft';

  return (
    <Stack>
      <Anchor component={Link} to="/campaigns">
        ← {t.backToList}
      </Anchor>
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Group gap="sm">
            <Title order={2}>{campaign.name}</Title>
            <StatusBadge status={campaign.status} testId="campaign-status" />
          </Group>
          <Text c="dimmed" ff="monospace" size="sm">
            {campaign.id}
          </Text>
          {campaign.description !== undefined && <Text>{campaign.description}</Text>}
        </Stack>
        <Anchor component={Link} to={`/results/${campaign.id}`}>
          {t.results} →
        </Anchor>
      </Group>

      <Group gap="sm" aria-label={t.columns.actions} role="group">
        {isDraft && auth.can('campaigns.write') && (
          <Button variant="default" onClick={() => navigate(`/campaigns/${campaign.id}/edit`)}>
            {t.edit}
          </Button>
        )}
        {(['submit', 'approve', 'reject', 'start'] as const).filter(mayAct).map((action) => (
          <Button
            key={action}
            color={action === 'reject' ? 'red' : action === 'approve' ? 'green' : 'blue'}
            variant={action === 'reject' ? 'light' : 'filled'}
            loading={busy && pending === null}
            onClick={() => request({ kind: 'action', action })}
          >
            {t.actions[action]}
          </Button>
        ))}
        {campaign.status === 'running' && auth.can('campaigns.approve') && (
          <Button onClick={() => request({ kind: 'run' })}>{t.runNow}</Button>
        )}
        {(['complete', 'stop'] as const).filter(mayAct).map((action) => (
          <Button
            key={action}
            color={action === 'stop' ? 'red' : 'teal'}
            variant="light"
            onClick={() => request({ kind: 'action', action })}
          >
            {t.actions[action]}
          </Button>
        ))}
        {isDraft && auth.can('campaigns.write') && (
          <Button color="red" variant="subtle" onClick={() => request({ kind: 'delete' })}>
            {t.deleteDraft}
          </Button>
        )}
        {campaign.status === 'pending_approval' && auth.can('campaigns.approve') && !mayDecide(stored) && (
          <Text size="sm" c="dimmed">
            {t.ownCampaign}
          </Text>
        )}
      </Group>
      {error instanceof ApiError && error.code === 'conflict' ? (
        <Alert color="orange" role="alert" title={c.error}>
          <Stack gap="xs">
            {/* Any conflict means the campaign is not as this page shows it: say why, offer a reload. */}
            <Text size="sm">{error.reason === 'stale_version' ? t.conflict : errorText(error).text}</Text>
            <Group>
              <Button
                size="xs"
                variant="light"
                onClick={() => {
                  setError(null);
                  loaded.reload();
                }}
              >
                {t.reload}
              </Button>
            </Group>
          </Stack>
        </Alert>
      ) : (
        <ErrorAlert error={error} />
      )}
      {done !== null && (
        <Alert color="green" role="status" withCloseButton onClose={() => setDone(null)}>
          {done}
        </Alert>
      )}

      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Card withBorder>
          <Stack>
            <Title order={3}>{t.definition}</Title>
            <Definition stored={stored} />
          </Stack>
        </Card>
        <Card withBorder>
          <Stack>
            <Title order={3}>{t.history}</Title>
            <History campaign={campaign} />
          </Stack>
        </Card>
      </SimpleGrid>

      <Title order={3}>{t.runs}</Title>
      <RunList campaignId={campaign.id} refreshKey={runsKey} />

      <Modal
        opened={pending !== null}
        onClose={() => setPending(null)}
        title={pending?.kind === 'action' && pending.action === 'reject' ? t.rejectTitle : t.confirmTitle}
      >
        {pending !== null && (
          <Stack>
            {pending.kind === 'action' && pending.action === 'reject' ? (
              <Textarea
                label={t.rejectNote}
                value={note}
                onChange={(event) => setNote(event.currentTarget.value)}
                autosize
                minRows={3}
                maxLength={2000}
                data-autofocus
              />
            ) : (
              <Text>{confirmText(pending)}</Text>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setPending(null)}>
                {c.cancel}
              </Button>
              <Button
                color={destructive(pending) ? 'red' : 'blue'}
                loading={busy}
                onClick={() => void perform(pending)}
              >
                {actionLabel(pending)}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
};
