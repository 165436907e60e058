import {
  Alert,
  Badge,
  Button,
  Center,
  Grid,
  Group,
  List,
  Loader,
  Modal,
  Paper,
  ScrollArea,
  Stack,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import {
  allowedActions,
  type CampaignAction,
  NODE_TYPES as JOURNEY_NODE_TYPES,
  type JourneyNode,
} from '@opencvm/core';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { campaignsMessages } from '../../i18n/campaigns-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { journeyResultsMessages } from '../../i18n/journey-results-messages.ts';
import { journeysMessages } from '../../i18n/journeys-messages.ts';
import { addNode, ENTRY_ID, freeHandle, newNode, removeNode } from './flow-model.ts';
import { type JourneyFunnel, type JourneyView, journeyApi, type StoredJourney } from './journey-api.ts';
import { JourneyCanvas } from './journey-canvas.tsx';
import { JourneyResultsView } from './journey-results.tsx';
import { NodeFields, WaysOut } from './node-panel.tsx';
import { EntryFields, SettingsFields } from './settings-panel.tsx';

const AUTOSAVE_MS = 800;
const STEP_GAP = 320;
/** How often a running journey's counts are fetched again by themselves. */
const LIVE_REFRESH_MS = 15_000;
const LIVE = new Set(['running', 'stopped', 'completed']);

/** The issues of a journey per node id; those about no node (or an unknown one) under ''. */
export const issuesByNode = (view: Pick<JourneyView, 'issues' | 'journey'>): Map<string, string[]> => {
  const known = new Set(view.journey.nodes.map((node) => node.id));
  const map = new Map<string, string[]>();
  for (const issue of view.issues) {
    const key =
      issue.node !== undefined && known.has(issue.node)
        ? issue.node
        : issue.path.startsWith('entry') || issue.path === 'start'
          ? ENTRY_ID
          : '';
    map.set(key, [...(map.get(key) ?? []), issue.message]);
  }
  return map;
};

/** The editor of one journey: the canvas, its issues, the side panel and the lifecycle. */
export const JourneyEditor = () => {
  const { id = '' } = useParams();
  const loaded = useLoad(() => journeyApi.show(id), [id]);
  const t = useMessages(journeysMessages);
  if (loaded.status === 'loading')
    return (
      <Center p="xl">
        <Loader aria-label={t.title} />
      </Center>
    );
  if (loaded.status === 'error') return <ErrorAlert error={loaded.error} />;
  return <Editor key={id} initial={loaded.value} />;
};

const Editor = ({ initial }: { readonly initial: JourneyView }) => {
  const t = useMessages(journeysMessages);
  const campaignT = useMessages(campaignsMessages);
  const resultsT = useMessages(journeyResultsMessages);
  const format = useFormat();
  const navigate = useNavigate();
  const [view, setView] = useState(initial);
  const [journey, setJourney] = useState<StoredJourney>(initial.journey);
  const [dirty, setDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [pending, setPending] = useState<CampaignAction | 'delete' | null>(null);
  const [note, setNote] = useState('');
  const readOnly = view.journey.status !== 'draft';
  const latest = useRef({ journey, version: view.version, inFlight: false, again: false });
  latest.current.journey = journey;

  const save = useCallback(async () => {
    const state = latest.current;
    if (state.inFlight) {
      state.again = true;
      return;
    }
    state.inFlight = true;
    setSaving(true);
    try {
      do {
        state.again = false;
        const sent = state.journey;
        const answer = await journeyApi.update(sent, state.version);
        state.version = answer.version;
        setView(answer);
        setError(null);
        if (state.journey === sent) setDirty(false);
      } while (state.again);
    } catch (refused) {
      setError(refused);
    } finally {
      state.inFlight = false;
      setSaving(false);
    }
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: every change of the journey restarts the wait.
  useEffect(() => {
    if (!dirty || readOnly) return;
    const timer = setTimeout(() => void save(), AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [journey, dirty, readOnly, save]);

  const change = (next: StoredJourney) => {
    if (readOnly) return;
    setJourney(next);
    setDirty(true);
  };

  const lookups = useLoad(() => journeyApi.lookups(), []);
  const known = lookups.status === 'ready' ? lookups.value : null;
  const [refresh, setRefresh] = useState(0);
  const [byNode, setByNode] = useState<string | null>(null);
  const live = LIVE.has(view.journey.status);
  useEffect(() => {
    if (view.journey.status !== 'running') return;
    const timer = setInterval(() => setRefresh((n) => n + 1), LIVE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [view.journey.status]);
  const funnel = useLoad<JourneyFunnel | null>(
    () => (live ? journeyApi.funnel(view.journey.id) : Promise.resolve(null)),
    [live, view.journey.id, refresh],
  );
  const counts = useMemo(() => {
    if (funnel.status !== 'ready' || funnel.value === null) return undefined;
    // The funnel lists the steps someone reached; every other step of a live journey shows zeros.
    const byNode = new Map(funnel.value.nodes.map((node) => [node.node, node]));
    return new Map(
      journey.nodes.map((node) => {
        const count = byNode.get(node.id);
        return [node.id, { here: count?.here ?? 0, reached: count?.reached ?? 0 }];
      }),
    );
  }, [funnel, journey.nodes]);
  const issues = useMemo(() => issuesByNode({ issues: view.issues, journey }), [view.issues, journey]);
  const general = view.issues.filter(
    (issue) =>
      (issue.node === undefined || !journey.nodes.some((node) => node.id === issue.node)) &&
      !(issue.path.startsWith('entry') || issue.path === 'start'),
  );

  const add = (type: JourneyNode['type']) => {
    const from = selected === null ? undefined : selected;
    const anchor =
      from === undefined
        ? undefined
        : from === ENTRY_ID
          ? { x: 0, y: 0 }
          : journey.nodes.find((node) => node.id === from)?.position;
    const lowest = Math.max(0, ...journey.nodes.map((node) => node.position?.y ?? 0));
    // A card with its issues listed is over 200 px tall: the next one goes clear of it, with room for the edge.
    const position =
      anchor === undefined ? { x: 0, y: lowest + STEP_GAP } : { x: anchor.x, y: anchor.y + STEP_GAP };
    const node = newNode(journey, type, position, { branch: t.newBranch, path: t.newPath });
    const handle = from === undefined ? undefined : freeHandle(journey, from);
    change(
      addNode(
        journey,
        node,
        from !== undefined && handle !== undefined ? { source: from, handle } : undefined,
      ),
    );
    setSelected(node.id);
  };

  const act = async (action: CampaignAction) => {
    try {
      if (dirty) await save();
      const answer = await journeyApi.act(view.journey.id, action, { version: latest.current.version, note });
      latest.current.version = answer.version;
      setView(answer);
      setJourney(answer.journey);
      setDirty(false);
      setError(null);
    } catch (refused) {
      setError(refused);
    }
    setPending(null);
    setNote('');
  };

  const node = journey.nodes.find((candidate) => candidate.id === selected);
  const replace = (changed: JourneyNode) =>
    change({ ...journey, nodes: journey.nodes.map((old) => (old.id === changed.id ? changed : old)) });

  return (
    <Stack>
      <Group justify="space-between">
        <Group>
          <Button component={Link} to="/journeys" variant="subtle">
            ← {t.title}
          </Button>
          <Title order={2}>{journey.name}</Title>
          <Badge data-testid="journey-status" data-status={view.journey.status}>
            {campaignT.statuses[view.journey.status]}
          </Badge>
        </Group>
        <Group>
          {!readOnly && (
            <>
              <Text size="sm" c="dimmed" aria-live="polite">
                {saving ? t.saving : dirty ? t.unsaved : t.saved}
              </Text>
              <Button onClick={() => void save()} loading={saving} disabled={!dirty}>
                {t.save}
              </Button>
            </>
          )}
          {allowedActions(view.journey.status).map((action) => (
            <Button
              key={action}
              variant="light"
              color={action === 'reject' || action === 'stop' ? 'red' : 'indigo'}
              onClick={() => setPending(action)}
            >
              {t.actions[action]}
            </Button>
          ))}
          {view.journey.status === 'draft' && (
            <Button variant="subtle" color="red" onClick={() => setPending('delete')}>
              {t.deleteJourney}
            </Button>
          )}
        </Group>
      </Group>
      <ErrorAlert error={error} />
      {readOnly && <Alert color="gray">{t.readOnly}</Alert>}
      {funnel.status === 'ready' && funnel.value !== null && (
        <Text size="sm" data-testid="journey-funnel">
          {t.funnelTitle}:{' '}
          {t.entered(
            format.integer(
              funnel.value.entered.treated + funnel.value.entered.holdout + funnel.value.entered.ucg,
            ),
          )}{' '}
          · {t.active(format.integer(funnel.value.active))}{' '}
          <Button size="compact-xs" variant="light" onClick={() => setRefresh((n) => n + 1)}>
            {resultsT.refresh}
          </Button>
        </Text>
      )}
      <Paper withBorder p="xs" aria-label={t.journeyIssues} role="region">
        {view.issues.length === 0 ? (
          <Text size="sm" c="green">
            {t.noIssues}
          </Text>
        ) : (
          <>
            <Text size="sm" fw={600}>
              {t.journeyIssues}: {t.nodeIssues(view.issues.length)}
            </Text>
            {general.length > 0 && (
              <List size="sm" data-testid="journey-issues">
                {general.map((issue) => (
                  <List.Item key={`${issue.path}:${issue.message}`}>
                    <code>{issue.path}</code>: {issue.message}
                  </List.Item>
                ))}
              </List>
            )}
          </>
        )}
      </Paper>
      {!readOnly && (
        <Group gap="xs" role="toolbar" aria-label={t.palette}>
          <Text size="sm">{t.palette}:</Text>
          {JOURNEY_NODE_TYPES.map((type) => (
            <Button
              key={type}
              size="compact-sm"
              variant="default"
              onClick={() => add(type)}
              data-testid={`add-${type}`}
            >
              {t.add(t.kinds[type])}
            </Button>
          ))}
          <Text size="xs" c="dimmed">
            {t.addHint}
          </Text>
        </Group>
      )}
      <Grid>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <JourneyCanvas
            journey={journey}
            issues={issues}
            counts={counts}
            selected={selected}
            onSelect={setSelected}
            onChange={change}
            readOnly={readOnly}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <ScrollArea.Autosize mah={620}>
            <Paper withBorder p="sm" aria-label={t.settings} role="complementary">
              {selected === ENTRY_ID ? (
                <Stack>
                  <EntryFields
                    entry={journey.entry}
                    rules={known?.rules ?? null}
                    disabled={readOnly}
                    onChange={(entry) => change({ ...journey, entry })}
                  />
                  <WaysOut journey={journey} source={ENTRY_ID} onChange={change} readOnly={readOnly} />
                </Stack>
              ) : node !== undefined ? (
                <Stack>
                  <NodeFields
                    node={node}
                    journey={journey}
                    onChange={replace}
                    disabled={readOnly}
                    offers={known?.offers ?? []}
                    rules={known?.rules ?? null}
                  />
                  <WaysOut journey={journey} source={node.id} onChange={change} readOnly={readOnly} />
                  {!readOnly && (
                    <Button
                      variant="subtle"
                      color="red"
                      onClick={() => {
                        change(removeNode(journey, node.id));
                        setSelected(null);
                      }}
                    >
                      {t.removeNode}
                    </Button>
                  )}
                </Stack>
              ) : (
                <Stack>
                  <Text size="sm" c="dimmed">
                    {t.nothingSelected}
                  </Text>
                  <SettingsFields journey={journey} onChange={change} disabled={readOnly} />
                </Stack>
              )}
            </Paper>
          </ScrollArea.Autosize>
        </Grid.Col>
      </Grid>
      {live && (
        <JourneyResultsView
          journey={view.journey}
          currency={known?.rules.schema.workspace.currency ?? 'EUR'}
          refresh={refresh}
          byNode={byNode}
          onByNode={setByNode}
        />
      )}
      <Modal
        opened={pending !== null}
        onClose={() => setPending(null)}
        title={pending === null ? '' : pending === 'delete' ? t.deleteJourney : t.actions[pending]}
      >
        <Stack>
          {pending === 'delete' && <Text>{t.confirmDelete(journey.name)}</Text>}
          {pending === 'reject' && (
            <Textarea
              label={t.rejectNote}
              value={note}
              onChange={(event) => setNote(event.currentTarget.value)}
            />
          )}
          <Group justify="flex-end">
            <Button
              color={pending === 'delete' || pending === 'reject' || pending === 'stop' ? 'red' : 'indigo'}
              onClick={() => {
                if (pending === 'delete') {
                  void journeyApi.remove(view.journey.id).then(
                    () => navigate('/journeys'),
                    (refused: unknown) => {
                      setError(refused);
                      setPending(null);
                    },
                  );
                } else if (pending !== null) void act(pending);
              }}
            >
              {t.confirmAction}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
};
