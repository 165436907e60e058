import {
  Alert,
  Button,
  Center,
  Code,
  Group,
  Loader,
  MultiSelect,
  Paper,
  ScrollArea,
  Stack,
  Table,
  Tabs,
  Text,
} from '@mantine/core';
import type { SegmentRule, WorkspaceSchema } from '@opencvm/core';
import { useMemo, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { segmentsMessages } from '../../i18n/segments-messages.ts';
import { customerFields } from './rule-model.ts';
import { type Preview, type SavedSegment, type SegmentVersion, segmentApi } from './segment-api.ts';

/** Preview, size history, versions and export of the segment being edited. */
export const SegmentInsights = (props: {
  readonly rule: SegmentRule;
  readonly saved: SavedSegment | null;
  readonly schema: WorkspaceSchema;
  readonly canWrite: boolean;
  readonly onLoadVersion: (version: SegmentVersion) => void;
}) => {
  const t = useMessages(segmentsMessages);
  const columnsAvailable = useMemo(() => customerFields(props.schema).map(([name]) => name), [props.schema]);
  const [columns, setColumns] = useState<string[]>(() => [
    'id',
    ...Object.keys(props.schema.customer.attributes).slice(0, 5),
  ]);
  return (
    <Paper withBorder p="md">
      <Tabs defaultValue="preview" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="preview">{t.preview}</Tabs.Tab>
          <Tabs.Tab value="history">{t.history}</Tabs.Tab>
          <Tabs.Tab value="versions">{t.versions}</Tabs.Tab>
          <Tabs.Tab value="export">{t.export}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="preview" pt="md">
          <PreviewPanel
            rule={props.rule}
            columns={columns}
            available={columnsAvailable}
            onColumns={setColumns}
          />
        </Tabs.Panel>
        <Tabs.Panel value="history" pt="md">
          {props.saved === null ? (
            <Text c="dimmed">{t.saveFirst}</Text>
          ) : (
            <HistoryPanel id={props.saved.id} canWrite={props.canWrite} />
          )}
        </Tabs.Panel>
        <Tabs.Panel value="versions" pt="md">
          {props.saved === null ? (
            <Text c="dimmed">{t.saveFirst}</Text>
          ) : (
            <VersionsPanel
              id={props.saved.id}
              current={props.saved.version}
              canWrite={props.canWrite}
              onLoad={props.onLoadVersion}
            />
          )}
        </Tabs.Panel>
        <Tabs.Panel value="export" pt="md">
          {props.saved === null ? (
            <Text c="dimmed">{t.saveFirst}</Text>
          ) : (
            <Stack align="flex-start">
              <Text size="sm">{t.exportHint}</Text>
              <ColumnPicker columns={columns} available={columnsAvailable} onColumns={setColumns} />
              <Button
                component="a"
                href={segmentApi.exportUrl(props.saved.id, columns)}
                download={`${props.saved.id}.csv`}
              >
                {t.download}
              </Button>
            </Stack>
          )}
        </Tabs.Panel>
      </Tabs>
    </Paper>
  );
};

const ColumnPicker = (props: {
  readonly columns: string[];
  readonly available: readonly string[];
  readonly onColumns: (columns: string[]) => void;
}) => {
  const t = useMessages(segmentsMessages);
  return (
    <MultiSelect
      label={t.previewColumns}
      data={props.available.map((name) => name)}
      value={props.columns}
      searchable
      w="100%"
      maw={720}
      onChange={(next) => props.onColumns(next.length === 0 ? ['id'] : next)}
    />
  );
};

const PreviewPanel = (props: {
  readonly rule: SegmentRule;
  readonly columns: string[];
  readonly available: readonly string[];
  readonly onColumns: (columns: string[]) => void;
}) => {
  const t = useMessages(segmentsMessages);
  const common = useMessages(commonMessages);
  const format = useFormat();
  const [state, setState] = useState<
    | { status: 'idle' }
    | { status: 'loading' }
    | { status: 'ready'; preview: Preview }
    | { status: 'error'; error: unknown }
  >({ status: 'idle' });
  const show = async () => {
    setState({ status: 'loading' });
    try {
      setState({ status: 'ready', preview: await segmentApi.preview(props.rule, props.columns) });
    } catch (error) {
      setState({ status: 'error', error });
    }
  };
  const cell = (value: unknown): string => {
    if (value === null || value === undefined) return '—';
    if (typeof value === 'number') return format.decimal(value);
    if (typeof value === 'boolean') return value ? t.trueValue : t.falseValue;
    return String(value);
  };
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t.previewHint}
      </Text>
      <Group align="flex-end">
        <ColumnPicker columns={props.columns} available={props.available} onColumns={props.onColumns} />
        <Button onClick={() => void show()} loading={state.status === 'loading'}>
          {t.showPreview}
        </Button>
      </Group>
      {state.status === 'error' && <ErrorAlert error={state.error} />}
      {state.status === 'loading' && (
        <Center>
          <Loader aria-label={common.loading} />
        </Center>
      )}
      {state.status === 'ready' && state.preview.rows.length === 0 && <Text>{t.noRows}</Text>}
      {state.status === 'ready' && state.preview.rows.length > 0 && (
        <ScrollArea>
          <Table striped withTableBorder data-testid="segment-preview">
            <Table.Thead>
              <Table.Tr>
                {state.preview.columns.map((column) => (
                  <Table.Th key={column}>{column}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {state.preview.rows.map((row, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: preview rows are shown once, in order.
                <Table.Tr key={index}>
                  {state.preview.columns.map((column) => (
                    <Table.Td key={column}>{cell(row[column])}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      )}
    </Stack>
  );
};

const HistoryPanel = ({ id, canWrite }: { readonly id: string; readonly canWrite: boolean }) => {
  const t = useMessages(segmentsMessages);
  const common = useMessages(commonMessages);
  const format = useFormat();
  const snapshots = useLoad(() => segmentApi.snapshots(id), [id]);
  const [taking, setTaking] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const take = async () => {
    setTaking(true);
    setError(null);
    setNotice(null);
    try {
      const snapshot = await segmentApi.snapshot(id);
      setNotice(t.snapshotTaken(format.integer(snapshot.size)));
      snapshots.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setTaking(false);
    }
  };
  const points =
    snapshots.status === 'ready'
      ? [...snapshots.value].reverse().map((snapshot) => ({
          takenAt: snapshot.takenAt,
          size: snapshot.size,
        }))
      : [];
  return (
    <Stack>
      {canWrite && (
        <Group>
          <Button variant="light" onClick={() => void take()} loading={taking}>
            {t.takeSnapshot}
          </Button>
        </Group>
      )}
      {notice !== null && (
        <Alert color="green" role="status">
          {notice}
        </Alert>
      )}
      <ErrorAlert error={error} />
      {snapshots.status === 'loading' && <Loader aria-label={common.loading} />}
      {snapshots.status === 'error' && <ErrorAlert error={snapshots.error} />}
      {snapshots.status === 'ready' && snapshots.value.length === 0 && (
        <Text c="dimmed">{t.noSnapshots}</Text>
      )}
      {snapshots.status === 'ready' && snapshots.value.length > 0 && (
        <>
          <div style={{ width: '100%', height: 260 }} data-testid="segment-history-chart">
            <ResponsiveContainer>
              <LineChart data={points} margin={{ top: 10, right: 20, bottom: 0, left: 10 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis
                  dataKey="takenAt"
                  tickFormatter={(value: string) => format.date(value)}
                  minTickGap={30}
                />
                <YAxis tickFormatter={(value: number) => format.integer(value)} width={70} />
                <Tooltip
                  labelFormatter={(value) => format.dateTime(String(value))}
                  formatter={(value) => [format.integer(Number(value)), t.size]}
                />
                <Line type="monotone" dataKey="size" name={t.size} stroke="#228be6" strokeWidth={2} dot />
              </LineChart>
            </ResponsiveContainer>
          </div>
          <Table striped withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t.snapshotColumns.takenAt}</Table.Th>
                <Table.Th>{t.snapshotColumns.version}</Table.Th>
                <Table.Th ta="right">{t.snapshotColumns.size}</Table.Th>
                <Table.Th ta="right">{t.snapshotColumns.entered}</Table.Th>
                <Table.Th ta="right">{t.snapshotColumns.left}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {snapshots.value.map((snapshot) => (
                <Table.Tr key={snapshot.id}>
                  <Table.Td>{format.dateTime(snapshot.takenAt)}</Table.Td>
                  <Table.Td>{snapshot.version}</Table.Td>
                  <Table.Td ta="right">{format.integer(snapshot.size)}</Table.Td>
                  <Table.Td ta="right">
                    {snapshot.entered === null ? '—' : format.integer(snapshot.entered)}
                  </Table.Td>
                  <Table.Td ta="right">
                    {snapshot.left === null ? '—' : format.integer(snapshot.left)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
    </Stack>
  );
};

const VersionsPanel = (props: {
  readonly id: string;
  readonly current: number;
  readonly canWrite: boolean;
  readonly onLoad: (version: SegmentVersion) => void;
}) => {
  const t = useMessages(segmentsMessages);
  const common = useMessages(commonMessages);
  const format = useFormat();
  const versions = useLoad(() => segmentApi.versions(props.id), [props.id, props.current]);
  const [shown, setShown] = useState<number | null>(null);
  if (versions.status === 'loading') return <Loader aria-label={common.loading} />;
  if (versions.status === 'error') return <ErrorAlert error={versions.error} />;
  const newestFirst = [...versions.value].sort((a, b) => b.version - a.version);
  return (
    <Stack>
      {props.canWrite && (
        <Text size="sm" c="dimmed">
          {t.restoreHint}
        </Text>
      )}
      <Table withTableBorder>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.versionColumns.version}</Table.Th>
            <Table.Th>{t.versionColumns.name}</Table.Th>
            <Table.Th>{t.versionColumns.createdAt}</Table.Th>
            <Table.Th>{t.versionColumns.rule}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {newestFirst.map((version) => (
            <Table.Tr key={version.version}>
              <Table.Td>{version.version}</Table.Td>
              <Table.Td>{version.name}</Table.Td>
              <Table.Td>{format.dateTime(version.createdAt)}</Table.Td>
              <Table.Td>
                <Group gap="xs">
                  <Button
                    variant="subtle"
                    size="compact-sm"
                    aria-expanded={shown === version.version}
                    onClick={() => setShown(shown === version.version ? null : version.version)}
                  >
                    {t.showRule}
                  </Button>
                  {props.canWrite && version.version !== props.current && (
                    <Button variant="light" size="compact-sm" onClick={() => props.onLoad(version)}>
                      {t.restore}
                    </Button>
                  )}
                </Group>
                {shown === version.version && (
                  <Code block mt="xs">
                    {JSON.stringify(version.rule, null, 2)}
                  </Code>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
};
