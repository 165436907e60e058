import { Button, Group, Loader, Select, Stack, Table, Text } from '@mantine/core';
import { resultsApi } from '@opencvm/core';
import { call } from '../../api/client.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useMessages } from '../../i18n/i18n.tsx';
import { resultsMessages } from '../../i18n/results-messages.ts';
import { sliceValue, useResultFormat } from './result-format.ts';
import { csvText, downloadFile, type MetricName, type ResultsContext } from './results-api.ts';
import { SignificanceBadge } from './significance-badge.tsx';

/** The campaign's goal metric per value of an attribute, or in and out of a segment. */
export const BreakdownView = ({
  campaignId,
  runId,
  by,
  onBy,
  context,
  kpi,
}: {
  readonly campaignId: string;
  /** The run shown; '' for the latest. */
  readonly runId: string;
  readonly by: string;
  readonly onBy: (by: string) => void;
  readonly context: ResultsContext | null;
  readonly kpi: MetricName;
}) => {
  const t = useMessages(resultsMessages);
  const common = useMessages(commonMessages);
  const f = useResultFormat(context?.currency ?? 'EUR');
  const breakdown = useLoad(
    async () =>
      by === ''
        ? null
        : call(resultsApi.campaign, {
            params: { id: campaignId },
            query: { by, ...(runId === '' ? {} : { run: runId }) },
          }),
    [campaignId, runId, by],
  );
  const options = [
    { group: t.breakdownTitle, items: [{ value: '', label: t.breakdownNone }] },
    {
      group: t.breakdownAttributes,
      items: (context?.attributes ?? []).map((attribute) => ({
        value: attribute.name,
        label: attribute.name,
      })),
    },
    ...(context !== null && context.segments.length > 0
      ? [
          {
            group: t.breakdownSegments,
            items: context.segments.map((segment) => ({
              value: `segment:${segment.id}`,
              label: segment.name,
            })),
          },
        ]
      : []),
  ];
  const segment = by.startsWith('segment:')
    ? context?.segments.find((candidate) => `segment:${candidate.id}` === by)
    : undefined;
  const attributeType = context?.attributes.find((attribute) => attribute.name === by)?.type;
  const sliceName = (value: string | null) =>
    value === null
      ? t.missingValue
      : by.startsWith('segment:')
        ? value === 'in'
          ? t.segmentIn
          : t.segmentOut
        : sliceValue(value, attributeType, { f, currency: context?.currency ?? 'EUR', t });
  const byLabel = segment?.name ?? by;
  const slices = breakdown.status === 'ready' ? (breakdown.value?.breakdown?.slices ?? []) : [];
  const against = breakdown.status === 'ready' ? (breakdown.value?.comparison ?? null) : null;

  const exportCsv = () => {
    const rows: (string | number | null)[][] = [
      [
        by,
        'target_n',
        'comparison_n',
        `${kpi}_target`,
        `${kpi}_comparison`,
        'lift',
        'lift_ci_low',
        'lift_ci_high',
        'relative_lift',
        'p_value',
      ],
    ];
    for (const slice of slices) {
      const test = slice.metrics[kpi]?.test;
      rows.push([
        slice.value,
        slice.arms.target?.n ?? 0,
        slice.comparison === null ? null : (slice.arms[slice.comparison]?.n ?? 0),
        test?.treatmentMean ?? null,
        test?.controlMean ?? null,
        test?.lift ?? null,
        test?.ci?.[0] ?? null,
        test?.ci?.[1] ?? null,
        test?.liftRelative ?? null,
        test?.pValue ?? null,
      ]);
    }
    downloadFile(`results-${campaignId}-by-${by.replace(/[^\w-]/g, '_')}.csv`, csvText(rows));
  };

  return (
    <Stack gap="sm">
      <Group align="flex-end" justify="space-between">
        <Select
          label={t.breakdownBy}
          w={320}
          value={by}
          onChange={(next) => onBy(next ?? '')}
          allowDeselect={false}
          searchable
          data={options}
        />
        {slices.length > 0 && (
          <Button variant="light" onClick={exportCsv}>
            {t.exportCsv}
          </Button>
        )}
      </Group>
      {by === '' && (
        <Text c="dimmed" size="sm">
          {t.breakdownHint}
        </Text>
      )}
      {breakdown.status === 'loading' && by !== '' && <Loader size="sm" aria-label={common.loading} />}
      {breakdown.status === 'error' && <ErrorAlert error={breakdown.error} />}
      {slices.length > 0 && (
        <Table.ScrollContainer minWidth={800}>
          <Table
            striped
            withTableBorder
            data-testid="results-breakdown"
            styles={{ td: { whiteSpace: 'nowrap' } }}
          >
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{byLabel}</Table.Th>
                <Table.Th ta="right">
                  {t.columns.n}: {t.groups.target}
                </Table.Th>
                <Table.Th ta="right">
                  {t.columns.n}: {against === null ? t.columns.against : t.groups[against]}
                </Table.Th>
                <Table.Th ta="right">
                  {t.metrics[kpi]}: {t.groups.target}
                </Table.Th>
                <Table.Th ta="right">
                  {t.metrics[kpi]}: {against === null ? t.columns.against : t.groups[against]}
                </Table.Th>
                <Table.Th ta="right">{t.columns.lift}</Table.Th>
                <Table.Th>{t.columns.liftCi}</Table.Th>
                <Table.Th ta="right">{t.columns.pValue}</Table.Th>
                <Table.Th>{t.columns.significance}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {slices.map((slice) => {
                const test = slice.metrics[kpi]?.test;
                return (
                  <Table.Tr key={slice.value ?? ''}>
                    <Table.Td>{sliceName(slice.value)}</Table.Td>
                    <Table.Td ta="right">{f.integer(slice.arms.target?.n ?? 0)}</Table.Td>
                    <Table.Td ta="right">
                      {slice.comparison === null ? '—' : f.integer(slice.arms[slice.comparison]?.n ?? 0)}
                    </Table.Td>
                    <Table.Td ta="right">{f.value(kpi, test?.treatmentMean ?? null)}</Table.Td>
                    <Table.Td ta="right">{f.value(kpi, test?.controlMean ?? null)}</Table.Td>
                    <Table.Td ta="right">{f.lift(kpi, test?.lift ?? null)}</Table.Td>
                    <Table.Td>{f.interval(test?.ci ?? null, (n) => f.lift(kpi, n))}</Table.Td>
                    <Table.Td ta="right">{f.pValue(test?.pValue ?? null)}</Table.Td>
                    <Table.Td>
                      <SignificanceBadge pValue={test?.pValue ?? null} lift={test?.lift ?? null} />
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
};
