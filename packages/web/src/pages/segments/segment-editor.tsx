import {
  Alert,
  Anchor,
  Badge,
  Button,
  Center,
  Grid,
  Group,
  Loader,
  Modal,
  Paper,
  Progress,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import type { SegmentRule, WorkspaceSchema } from '@opencvm/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { z } from 'zod';
import { ApiError } from '../../api/client.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorAlert, useErrorText, useIssueText } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { segmentsMessages } from '../../i18n/segments-messages.ts';
import { RuleBuilder } from './rule-builder.tsx';
import { formIssue, newRule, type RuleContext } from './rule-model.ts';
import {
  type CustomerList,
  type Explain,
  issuesOf,
  type SavedSegment,
  type SchemaIssue,
  segmentApi,
} from './segment-api.ts';
import { SegmentInsights } from './segment-insights.tsx';

/** The editor of one segment (`id`), or of a new one (`id` null). */
export const SegmentEditor = ({ id }: { readonly id: string | null }) => {
  const common = useMessages(commonMessages);
  const loaded = useLoad(async () => {
    const [schema, segments, lists, saved] = await Promise.all([
      segmentApi.schema(),
      segmentApi.list(),
      segmentApi.lists(),
      id === null ? Promise.resolve(null) : segmentApi.get(id),
    ]);
    return { schema, segments, lists, saved };
  }, [id]);
  if (loaded.status === 'loading')
    return (
      <Center p="xl">
        <Loader aria-label={common.loading} />
      </Center>
    );
  if (loaded.status === 'error')
    return (
      <Stack align="flex-start">
        <BackLink />
        <ErrorAlert error={loaded.error} />
        <Button variant="default" onClick={loaded.reload}>
          {common.retry}
        </Button>
      </Stack>
    );
  return <EditorForm key={id ?? 'new'} {...loaded.value} />;
};

const BackLink = () => {
  const t = useMessages(segmentsMessages);
  return (
    <Anchor component={Link} to="/segments" size="sm">
      ← {t.backToList}
    </Anchor>
  );
};

const CYRILLIC: Readonly<Record<string, string>> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ё: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'y',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'h',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'sch',
  ъ: '',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'yu',
  я: 'ya',
};

/** A key proposed from a name: "Отток prepaid 30" → "ottok_prepaid_30". */
const keyOf = (name: string): string => {
  const latin = [...name.toLowerCase()].map((char) => CYRILLIC[char] ?? char).join('');
  const key = latin
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);
  return key === '' ? '' : /^[a-z]/.test(key) ? key : `s_${key}`;
};

type LiveCount =
  | { readonly status: 'counting' }
  | { readonly status: 'ready'; readonly count: number; readonly explain: Explain | null }
  | { readonly status: 'invalid'; readonly issues: readonly SchemaIssue[]; readonly error: unknown };

/**
 * The count and the per-condition counts of `rule`, asked for 300 ms after the last edit. The last
 * answer stays shown while the next is on its way (`pending`), so numbers do not flicker.
 */
const useLiveCount = (rule: SegmentRule): LiveCount & { readonly pending: boolean } => {
  const [state, setState] = useState<LiveCount>({ status: 'counting' });
  const [pending, setPending] = useState(true);
  const generation = useRef(0);
  const text = JSON.stringify(rule);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `text` is the rule's content; `rule` changes identity on every edit.
  useEffect(() => {
    generation.current += 1;
    const mine = generation.current;
    setPending(true);
    const debounce = setTimeout(async () => {
      let next: LiveCount;
      try {
        const [counted, explain] = await Promise.all([
          segmentApi.count(rule),
          segmentApi.explain(rule).catch(() => null),
        ]);
        next = { status: 'ready', count: counted.count, explain };
      } catch (error) {
        next = { status: 'invalid', issues: issuesOf(error), error };
      }
      if (mine !== generation.current) return;
      setState(next);
      setPending(false);
    }, 300);
    return () => clearTimeout(debounce);
  }, [text]);
  return { ...state, pending };
};

interface EditorProps {
  readonly schema: WorkspaceSchema;
  readonly segments: readonly SavedSegment[];
  readonly lists: readonly CustomerList[];
  readonly saved: SavedSegment | null;
}

const EditorForm = (props: EditorProps) => {
  const t = useMessages(segmentsMessages);
  const common = useMessages(commonMessages);
  const format = useFormat();
  const navigate = useNavigate();
  const canWrite = useAuth().can('segments.write');
  const [saved, setSaved] = useState<SavedSegment | null>(props.saved);
  const context = useMemo<RuleContext>(
    () => ({
      schema: props.schema,
      segments: props.segments.map((segment) => ({ id: segment.id, name: segment.name })),
      lists: props.lists.map((list) => list.name),
      selfId: saved?.id ?? null,
    }),
    [props.schema, props.segments, props.lists, saved],
  );
  const [key, setKey] = useState(saved?.id ?? '');
  const [keyTouched, setKeyTouched] = useState(saved !== null);
  const [name, setName] = useState(saved?.name ?? '');
  const [description, setDescription] = useState(saved?.description ?? '');
  const [rule, setRule] = useState<SegmentRule>(
    () => saved?.rule ?? { type: 'and', rules: [newRule('attribute', context)] },
  );
  const [dirty, setDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  // A segment just created arrives here with the version it was saved as.
  const arrived = z.object({ savedVersion: z.number() }).safeParse(useLocation().state);
  const [notice, setNotice] = useState<string | null>(
    arrived.success ? t.saved(arrived.data.savedVersion) : null,
  );
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const live = useLiveCount(rule);

  const issueText = useIssueText();
  const errorText = useErrorText();
  // Issues reach the builder's fields already in the user's language.
  const localised = (issues: readonly SchemaIssue[]): SchemaIssue[] =>
    issues.map((issue) => ({ ...issue, message: issueText(issue) }));
  const saveIssues = localised(issuesOf(saveError));
  const ruleIssues =
    live.status === 'invalid'
      ? localised(live.issues)
      : saveIssues.filter((issue) => issue.path.startsWith('rule'));
  // Someone saved or deleted this segment since it was loaded: nothing of this edit was written.
  const staleSave =
    saveError instanceof ApiError &&
    saveError.code === 'conflict' &&
    (saveError.reason === 'stale_version' || saveError.reason === 'deleted_meanwhile');
  const reloadLatest = async () => {
    if (saved === null) return;
    try {
      const latest = await segmentApi.get(saved.id);
      setSaved(latest);
      setName(latest.name);
      setDescription(latest.description ?? '');
      setRule(latest.rule);
      setDirty(false);
      setSaveError(null);
      setNotice(t.reloaded(latest.version));
    } catch (error) {
      setSaveError(error);
    }
  };
  const explain = live.status === 'ready' ? live.explain : null;

  const edit = (change: () => void) => {
    change();
    setDirty(true);
    setNotice(null);
    setSaveError(null);
  };

  const save = async () => {
    setSaving(true);
    setSaveError(null);
    setNotice(null);
    const body = { name, ...(description.trim() === '' ? {} : { description }), rule };
    try {
      // A change names the version it was made on, so a save by someone else meanwhile is refused.
      const result =
        saved === null
          ? await segmentApi.create({ id: key, ...body })
          : await segmentApi.update(saved.id, { ...body, version: saved.version });
      setSaved(result);
      setDirty(false);
      setNotice(t.saved(result.version));
      if (saved === null)
        navigate(`/segments/${encodeURIComponent(result.id)}`, {
          replace: true,
          state: { savedVersion: result.version },
        });
    } catch (error) {
      setSaveError(error);
    } finally {
      setSaving(false);
    }
  };

  const remove = async () => {
    if (saved === null) return;
    setDeleteError(null);
    try {
      await segmentApi.remove(saved.id);
      navigate('/segments');
    } catch (error) {
      setDeleteError(error);
    }
  };

  const total = explain?.customers ?? null;
  const unmatchedIssues = saveIssues.filter(
    (issue) => !issue.path.startsWith('rule') && !['id', 'name', 'description'].includes(issue.path),
  );

  return (
    <Stack>
      <BackLink />
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>{saved === null ? t.newTitle : t.editTitle(saved.name)}</Title>
          {saved !== null && (
            <Group gap="xs">
              <Badge variant="light">{t.version(saved.version)}</Badge>
              <Text size="sm" c="dimmed">
                {t.updatedAt(format.dateTime(saved.updatedAt))}
              </Text>
              {dirty && (
                <Badge color="yellow" variant="light">
                  {t.unsaved}
                </Badge>
              )}
            </Group>
          )}
        </div>
        {canWrite && (
          <Group>
            {saved !== null && (
              <Button variant="outline" color="red" onClick={() => setConfirmDelete(true)}>
                {t.deleteSegment}
              </Button>
            )}
            <Button onClick={() => void save()} loading={saving} disabled={saved !== null && !dirty}>
              {saved === null ? t.saveNew : t.saveChanges}
            </Button>
          </Group>
        )}
      </Group>
      {!canWrite && <Alert color="gray">{t.readOnly}</Alert>}
      {notice !== null && (
        <Alert color="green" role="status">
          {notice}
        </Alert>
      )}
      {staleSave ? (
        <Alert color="orange" title={t.staleTitle} role="alert" data-testid="segment-conflict">
          <Stack gap="xs" align="flex-start">
            <Text size="sm">{errorText(saveError).text}</Text>
            <Text size="sm">{t.staleHint}</Text>
            {saveError.reason === 'stale_version' && (
              <Button size="xs" variant="light" onClick={() => void reloadLatest()}>
                {t.reloadLatest}
              </Button>
            )}
          </Stack>
        </Alert>
      ) : (
        saveError !== null && saveIssues.length === 0 && <ErrorAlert error={saveError} />
      )}
      {unmatchedIssues.length > 0 && (
        <Alert color="red" title={t.issuesTitle} role="alert">
          {unmatchedIssues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}
        </Alert>
      )}
      <Grid>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Paper withBorder p="md">
            <Title order={3} size="h4" mb="sm">
              {t.details}
            </Title>
            <Grid>
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <TextInput
                  label={t.name}
                  value={name}
                  required
                  readOnly={!canWrite}
                  error={formIssue(saveIssues, 'name')}
                  onChange={(event) => {
                    const next = event.currentTarget.value;
                    edit(() => {
                      setName(next);
                      if (!keyTouched) setKey(keyOf(next));
                    });
                  }}
                />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <TextInput
                  label={t.key}
                  description={saved === null ? t.keyHint : undefined}
                  value={key}
                  required
                  readOnly={saved !== null || !canWrite}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                  error={formIssue(saveIssues, 'id')}
                  onChange={(event) => {
                    const next = event.currentTarget.value;
                    edit(() => {
                      setKey(next);
                      setKeyTouched(true);
                    });
                  }}
                />
              </Grid.Col>
              <Grid.Col span={12}>
                <Textarea
                  label={t.description}
                  value={description}
                  autosize
                  minRows={1}
                  readOnly={!canWrite}
                  error={formIssue(saveIssues, 'description')}
                  onChange={(event) => {
                    const next = event.currentTarget.value;
                    edit(() => setDescription(next));
                  }}
                />
              </Grid.Col>
            </Grid>
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Paper withBorder p="md" h="100%" aria-live="polite">
            <Text size="sm" c="dimmed">
              {t.liveCount}
            </Text>
            <Group gap="xs" align="baseline">
              <Text fz={36} fw={700} data-testid="segment-count" aria-busy={live.pending}>
                {live.status === 'ready' ? format.integer(live.count) : '—'}
              </Text>
              {live.pending && <Loader size="xs" aria-label={t.counting} />}
            </Group>
            {live.status === 'ready' && total !== null && (
              <>
                <Text size="sm" c="dimmed">
                  {t.liveOf(format.integer(total))} · {format.percent(total === 0 ? 0 : live.count / total)}
                </Text>
                <Progress value={total === 0 ? 0 : (live.count / total) * 100} mt="xs" aria-hidden />
              </>
            )}
            {live.status === 'invalid' && (
              <Text size="sm" c="red" mt="xs">
                {live.issues.length > 0 ? t.countFailed : errorText(live.error).text}
              </Text>
            )}
          </Paper>
        </Grid.Col>
      </Grid>
      <Stack gap="xs">
        <Title order={3} size="h4">
          {t.rule}
        </Title>
        {ruleIssues.length > 0 && (
          <Alert color="red" title={t.issuesTitle} role="alert">
            <Stack gap={2}>
              {ruleIssues.map((issue) => (
                <Text key={`${issue.path}:${issue.message}`} size="sm">
                  <Text span ff="monospace" size="sm">
                    {issue.path}
                  </Text>
                  : {issue.message}
                </Text>
              ))}
            </Stack>
          </Alert>
        )}
        <RuleBuilder
          rule={rule}
          onChange={(next) => edit(() => setRule(next))}
          context={context}
          explain={explain}
          issues={ruleIssues}
          readOnly={!canWrite}
        />
      </Stack>
      <SegmentInsights
        rule={rule}
        saved={saved}
        schema={props.schema}
        canWrite={canWrite}
        onLoadVersion={(version) =>
          edit(() => {
            setRule(version.rule);
            setName(version.name);
            setDescription(version.description ?? '');
          })
        }
      />
      <Modal opened={confirmDelete} onClose={() => setConfirmDelete(false)} title={t.deleteTitle} centered>
        <Stack>
          <Text>{t.deleteText(saved?.name ?? '')}</Text>
          <ErrorAlert error={deleteError} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmDelete(false)}>
              {common.cancel}
            </Button>
            <Button color="red" onClick={() => void remove()}>
              {t.deleteConfirm}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
};
