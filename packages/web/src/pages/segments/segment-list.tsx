import {
  Alert,
  Anchor,
  Button,
  Center,
  Group,
  Loader,
  Menu,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { segmentsApi } from '@opencvm/core';
import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { call } from '../../api/client.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { segmentsMessages } from '../../i18n/segments-messages.ts';
import { type SavedSegment, segmentApi } from './segment-api.ts';

type SortKey = 'name' | 'size' | 'updated';

interface Row {
  readonly segment: SavedSegment;
  /** The size of the newest snapshot; null when none was taken. */
  readonly size: number | null;
}

/** Saved segments: search, sort, and the way to a new one. */
export const SegmentList = () => {
  const t = useMessages(segmentsMessages);
  const common = useMessages(commonMessages);
  const format = useFormat();
  const navigate = useNavigate();
  const canWrite = useAuth().can('segments.write');
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({
    key: 'updated',
    descending: true,
  });
  const [presetError, setPresetError] = useState<unknown>(null);

  const loaded = useLoad(async (): Promise<Row[]> => {
    const segments = await segmentApi.list();
    return Promise.all(
      segments.map(async (segment) => {
        const snapshots = await segmentApi.snapshots(segment.id, 1);
        return { segment, size: snapshots[0]?.size ?? null };
      }),
    );
  }, []);
  const presets = useLoad(
    () => (canWrite ? call(segmentsApi.presets) : Promise.resolve({ items: [] })),
    [canWrite],
  );

  const rows = useMemo(() => {
    if (loaded.status !== 'ready') return [];
    const needle = search.trim().toLowerCase();
    const found = loaded.value.filter(
      (row) =>
        needle === '' ||
        row.segment.name.toLowerCase().includes(needle) ||
        row.segment.id.toLowerCase().includes(needle),
    );
    const compare = (a: Row, b: Row): number => {
      if (sort.key === 'name') return a.segment.name.localeCompare(b.segment.name);
      if (sort.key === 'size') return (a.size ?? -1) - (b.size ?? -1);
      return a.segment.updatedAt.localeCompare(b.segment.updatedAt);
    };
    return [...found].sort((a, b) => (sort.descending ? -compare(a, b) : compare(a, b)));
  }, [loaded, search, sort]);

  const createFromPreset = async (key: string) => {
    setPresetError(null);
    try {
      const saved = await call(segmentsApi.fromPreset, { params: { key } });
      navigate(`/segments/${encodeURIComponent(saved.id)}`);
    } catch (error) {
      setPresetError(error);
    }
  };

  const header = (key: SortKey, label: string) => (
    <Table.Th aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <UnstyledButton
        onClick={() =>
          setSort((old) => ({ key, descending: old.key === key ? !old.descending : key !== 'name' }))
        }
        aria-label={t.sortBy(label)}
      >
        <Text fw={700} size="sm">
          {label} {sort.key === key ? (sort.descending ? '▼' : '▲') : ''}
        </Text>
      </UnstyledButton>
    </Table.Th>
  );

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>{t.title}</Title>
          <Text c="dimmed" size="sm">
            {t.intro}
          </Text>
        </div>
        {canWrite && (
          <Group>
            {presets.status === 'ready' && presets.value.items.length > 0 && (
              <Menu>
                <Menu.Target>
                  <Button variant="default">{t.presets}</Button>
                </Menu.Target>
                <Menu.Dropdown>
                  {presets.value.items.map((preset) => (
                    <Menu.Item key={preset.key} onClick={() => void createFromPreset(preset.key)}>
                      {preset.name}
                    </Menu.Item>
                  ))}
                </Menu.Dropdown>
              </Menu>
            )}
            <Button component={Link} to="/segments/new">
              {t.newSegment}
            </Button>
          </Group>
        )}
      </Group>
      {!canWrite && <Alert color="gray">{t.readOnly}</Alert>}
      <ErrorAlert error={presetError} />
      <TextInput
        label={t.searchLabel}
        placeholder={t.searchPlaceholder}
        value={search}
        onChange={(event) => setSearch(event.currentTarget.value)}
        maw={360}
      />
      {loaded.status === 'loading' && (
        <Center p="xl">
          <Loader aria-label={common.loading} />
        </Center>
      )}
      {loaded.status === 'error' && (
        <Stack align="flex-start">
          <ErrorAlert error={loaded.error} />
          <Button variant="default" onClick={loaded.reload}>
            {common.retry}
          </Button>
        </Stack>
      )}
      {loaded.status === 'ready' && loaded.value.length === 0 && (
        <Paper withBorder p="xl">
          <Text>{canWrite ? t.emptyList : t.emptyListReadOnly}</Text>
        </Paper>
      )}
      {loaded.status === 'ready' && loaded.value.length > 0 && rows.length === 0 && (
        <Text>{t.noMatches}</Text>
      )}
      {rows.length > 0 && (
        <Paper withBorder>
          <Table striped highlightOnHover verticalSpacing="sm" data-testid="segment-list">
            <Table.Thead>
              <Table.Tr>
                {header('name', t.columns.name)}
                <Table.Th>{t.columns.key}</Table.Th>
                {header('size', t.columns.size)}
                <Table.Th>{t.columns.version}</Table.Th>
                {header('updated', t.columns.updated)}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map(({ segment, size }) => (
                <Table.Tr key={segment.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/segments/${encodeURIComponent(segment.id)}`} fw={500}>
                      {segment.name}
                    </Anchor>
                    {segment.description !== null && segment.description !== '' && (
                      <Text size="xs" c="dimmed" lineClamp={1}>
                        {segment.description}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {segment.id}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    {size === null ? (
                      <Text size="sm" c="dimmed">
                        {t.noSnapshot}
                      </Text>
                    ) : (
                      format.integer(size)
                    )}
                  </Table.Td>
                  <Table.Td>{segment.version}</Table.Td>
                  <Table.Td>{format.dateTime(segment.updatedAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
    </Stack>
  );
};
