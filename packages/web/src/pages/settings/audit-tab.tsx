import {
  Alert,
  Button,
  Code,
  Group,
  Paper,
  ScrollArea,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { accountsApi, type EndpointArgs } from '@opencvm/core';
import { type FormEvent, Fragment, useCallback, useEffect, useRef, useState } from 'react';
import { call } from '../../api/client.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { settingsMessages } from '../../i18n/settings-messages.ts';
import type { AuditEntry, Verification } from './settings-api.ts';
import { TabLoading } from './settings-shared.tsx';

const PAGE_SIZE = 50;

interface Filters {
  readonly actor: string;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string;
}
const NO_FILTERS: Filters = { actor: '', action: '', targetType: '', targetId: '' };

type AuditQuery = NonNullable<EndpointArgs<typeof accountsApi.audit>['query']>;

const pageQuery = (filters: Filters, cursor: string | null): AuditQuery => {
  const wanted = (value: string) => (value.trim() === '' ? undefined : value.trim());
  return {
    limit: String(PAGE_SIZE),
    actor: wanted(filters.actor),
    action: wanted(filters.action),
    targetType: wanted(filters.targetType),
    targetId: wanted(filters.targetId),
    ...(cursor === null ? {} : { cursor }),
  };
};

/** Leaves of a JSON value by dotted path; arrays are compared whole. */
const flatten = (value: unknown, prefix: string, into: Map<string, string>): Map<string, string> => {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0 && prefix !== '') into.set(prefix, '{}');
    for (const [key, field] of entries) flatten(field, prefix === '' ? key : `${prefix}.${key}`, into);
  } else if (value !== undefined && !(value === null && prefix === '')) {
    into.set(prefix === '' ? '(value)' : prefix, JSON.stringify(value));
  }
  return into;
};

interface FieldChange {
  readonly path: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
}

/** The fields that differ between before and after, in path order. */
const changesOf = (entry: AuditEntry): FieldChange[] => {
  const before = flatten(entry.before, '', new Map());
  const after = flatten(entry.after, '', new Map());
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths
    .map((path) => ({ path, before: before.get(path), after: after.get(path) }))
    .filter((change) => change.before !== change.after);
};

const pretty = (value: unknown): string =>
  value === undefined || value === null ? 'null' : JSON.stringify(value, null, 2);

/** The audit log, newest first: filters, entries with their changes, more pages, chain check. */
export const AuditTab = () => {
  const t = useMessages(settingsMessages);
  const format = useFormat();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [items, setItems] = useState<readonly AuditEntry[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  const [verification, setVerification] = useState<Verification | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(null);
  const [verifying, setVerifying] = useState(false);
  // The last filters asked for win when answers overlap.
  const generation = useRef(0);

  const loadFirst = useCallback(async (wanted: Filters) => {
    generation.current += 1;
    const mine = generation.current;
    setItems(null);
    setError(null);
    try {
      const page = await call(accountsApi.audit, { query: pageQuery(wanted, null) });
      if (mine !== generation.current) return;
      setItems(page.items);
      setNextCursor(page.nextCursor);
    } catch (caught) {
      if (mine === generation.current) setError(caught);
    }
  }, []);

  useEffect(() => {
    void loadFirst(filters);
  }, [filters, loadFirst]);

  const loadMore = async () => {
    if (nextCursor === null) return;
    const mine = generation.current;
    setLoadingMore(true);
    try {
      const page = await call(accountsApi.audit, { query: pageQuery(filters, nextCursor) });
      if (mine !== generation.current) return;
      setItems((current) => [...(current ?? []), ...page.items]);
      setNextCursor(page.nextCursor);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoadingMore(false);
    }
  };

  const verify = async () => {
    setVerifying(true);
    setVerification(null);
    setVerifyError(null);
    try {
      setVerification(await call(accountsApi.verifyAudit));
    } catch (caught) {
      setVerifyError(caught);
    } finally {
      setVerifying(false);
    }
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setExpanded(new Set());
    setFilters(draft);
  };
  const toggle = (seq: number) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(seq)) next.delete(seq);
      else next.add(seq);
      return next;
    });

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Text maw={760}>{t.audit.intro}</Text>
        <Button variant="light" loading={verifying} onClick={() => void verify()}>
          {t.audit.verify}
        </Button>
      </Group>
      {verification !== null && (
        <Alert
          color={verification.ok ? 'green' : 'red'}
          role={verification.ok ? 'status' : 'alert'}
          data-testid="audit-verify-result"
          withCloseButton
          onClose={() => setVerification(null)}
        >
          {verification.ok
            ? t.audit.verifyOk(format.integer(verification.entries))
            : verification.seq === undefined
              ? t.audit.verifyBrokenNoSeq(verification.reason ?? '')
              : t.audit.verifyBroken(String(verification.seq), verification.reason ?? '')}
        </Alert>
      )}
      <ErrorAlert error={verifyError} />

      <Paper withBorder p="md" component="form" onSubmit={apply} aria-label={t.audit.filters}>
        <Group align="flex-end">
          <TextInput
            label={t.audit.actor}
            w={190}
            value={draft.actor}
            onChange={(event) => {
              const actor = event.currentTarget.value;
              setDraft((current) => ({ ...current, actor }));
            }}
          />
          <TextInput
            label={t.audit.action}
            w={190}
            value={draft.action}
            onChange={(event) => {
              const action = event.currentTarget.value;
              setDraft((current) => ({ ...current, action }));
            }}
          />
          <TextInput
            label={t.audit.targetType}
            w={190}
            value={draft.targetType}
            onChange={(event) => {
              const targetType = event.currentTarget.value;
              setDraft((current) => ({ ...current, targetType }));
            }}
          />
          <TextInput
            label={t.audit.targetId}
            w={190}
            value={draft.targetId}
            onChange={(event) => {
              const targetId = event.currentTarget.value;
              setDraft((current) => ({ ...current, targetId }));
            }}
          />
          <Button type="submit">{t.audit.apply}</Button>
          <Button
            variant="default"
            onClick={() => {
              setDraft(NO_FILTERS);
              setExpanded(new Set());
              setFilters(NO_FILTERS);
            }}
          >
            {t.audit.clear}
          </Button>
        </Group>
        <Text size="xs" c="dimmed" mt={6}>
          {t.audit.filterHint}
        </Text>
      </Paper>

      <ErrorAlert error={error} />
      {items === null ? (
        error === null && <TabLoading />
      ) : items.length === 0 ? (
        <Text c="dimmed">{t.audit.none}</Text>
      ) : (
        <>
          <Table.ScrollContainer minWidth={900}>
            <Table withTableBorder highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>#</Table.Th>
                  <Table.Th>{t.audit.time}</Table.Th>
                  <Table.Th>{t.audit.actor}</Table.Th>
                  <Table.Th>{t.audit.action}</Table.Th>
                  <Table.Th>{t.audit.target}</Table.Th>
                  <Table.Th>{t.audit.changes}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((entry) => {
                  const open = expanded.has(entry.seq);
                  const changes = changesOf(entry);
                  const seq = String(entry.seq);
                  return (
                    <Fragment key={entry.seq}>
                      <Table.Tr data-testid={`audit-entry-${seq}`}>
                        <Table.Td>{seq}</Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>{format.dateTime(entry.at)}</Table.Td>
                        <Table.Td>{entry.actor}</Table.Td>
                        <Table.Td>
                          <Code>{entry.action}</Code>
                        </Table.Td>
                        <Table.Td>
                          {entry.target === null ? (
                            '—'
                          ) : (
                            <Text size="sm" style={{ wordBreak: 'break-all' }}>
                              {entry.target.type}: {entry.target.id}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          <Button
                            size="xs"
                            variant="subtle"
                            aria-expanded={open}
                            onClick={() => toggle(entry.seq)}
                          >
                            <span aria-hidden="true" style={{ marginRight: 6 }}>
                              {open ? '▾' : '▸'}
                            </span>
                            {t.audit.changedFields(changes.length)}
                            <VisuallyHidden>{t.audit.entry(seq)}</VisuallyHidden>
                          </Button>
                        </Table.Td>
                      </Table.Tr>
                      {open && (
                        <Table.Tr>
                          <Table.Td colSpan={6} bg="gray.0">
                            <EntryChanges entry={entry} changes={changes} />
                          </Table.Td>
                        </Table.Tr>
                      )}
                    </Fragment>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group>
            <Text size="sm" c="dimmed" data-testid="audit-count">
              {t.audit.shown(format.integer(items.length))}
            </Text>
            {nextCursor !== null && (
              <Button variant="default" loading={loadingMore} onClick={() => void loadMore()}>
                {t.audit.loadMore}
              </Button>
            )}
          </Group>
        </>
      )}
    </Stack>
  );
};

/** One entry's changed fields side by side, then the whole before and after. */
const EntryChanges = ({
  entry,
  changes,
}: {
  readonly entry: AuditEntry;
  readonly changes: readonly FieldChange[];
}) => {
  const t = useMessages(settingsMessages);
  return (
    <Stack gap="sm" py="xs">
      {changes.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t.audit.noDiff}
        </Text>
      ) : (
        <Table withTableBorder withColumnBorders bg="white" layout="fixed">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w="30%">{t.audit.field}</Table.Th>
              <Table.Th>{t.audit.before}</Table.Th>
              <Table.Th>{t.audit.after}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {changes.map((change) => (
              <Table.Tr key={change.path}>
                <Table.Td>
                  <Code>{change.path}</Code>
                </Table.Td>
                <Table.Td
                  {...(change.before === undefined ? {} : { bg: 'red.0' })}
                  style={{ wordBreak: 'break-all' }}
                >
                  {change.before ?? <Text c="dimmed">{t.audit.nothing}</Text>}
                </Table.Td>
                <Table.Td
                  {...(change.after === undefined ? {} : { bg: 'green.0' })}
                  style={{ wordBreak: 'break-all' }}
                >
                  {change.after ?? <Text c="dimmed">{t.audit.nothing}</Text>}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <SimpleGrid cols={2}>
        <Stack gap={4}>
          <Title order={5}>{t.audit.before}</Title>
          <ScrollArea.Autosize mah={320}>
            <Code block>{pretty(entry.before)}</Code>
          </ScrollArea.Autosize>
        </Stack>
        <Stack gap={4}>
          <Title order={5}>{t.audit.after}</Title>
          <ScrollArea.Autosize mah={320}>
            <Code block>{pretty(entry.after)}</Code>
          </ScrollArea.Autosize>
        </Stack>
      </SimpleGrid>
    </Stack>
  );
};
