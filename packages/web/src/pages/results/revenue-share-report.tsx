import { Anchor, Button, Group, Loader, NumberInput, Stack, Table, Text, TextInput } from '@mantine/core';
import { resultsApi } from '@opencvm/core';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { apiText, call } from '../../api/client.ts';
import { ErrorAlert, useIssueText } from '../../components/error-alert.tsx';
import { issuesOf } from '../../components/error-text.ts';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useMessages } from '../../i18n/i18n.tsx';
import { resultsMessages } from '../../i18n/results-messages.ts';
import { useResultFormat } from './result-format.ts';
import { downloadFile, lastDays } from './results-api.ts';

/** Incremental revenue per campaign and offer for a period, and the agreed share of it; CSV for finance. */
export const RevenueShareReport = ({ currency }: { readonly currency: string }) => {
  const t = useMessages(resultsMessages);
  const common = useMessages(commonMessages);
  const f = useResultFormat(currency);
  const initial = lastDays(90);
  const [draft, setDraft] = useState({ from: initial.from, to: initial.to, share: '' });
  const [query, setQuery] = useState(draft);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const params = `from=${encodeURIComponent(query.from)}&to=${encodeURIComponent(query.to)}${query.share === '' ? '' : `&share=${encodeURIComponent(query.share)}`}`;
  const report = useLoad(
    () =>
      call(resultsApi.revenueShare, {
        query: { from: query.from, to: query.to, ...(query.share === '' ? {} : { share: query.share }) },
      }),
    [params],
  );
  const issueText = useIssueText();
  const fieldError = (path: string) => {
    const found =
      report.status === 'error' ? issuesOf(report.error).find((issue) => issue.path === path) : undefined;
    return found === undefined ? null : issueText(found);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setQuery(draft);
  };
  const download = async () => {
    setDownloadError(null);
    try {
      downloadFile(
        `revenue-share-${query.from}-${query.to}.csv`,
        await apiText(`/v1/revenue-share?${params}&format=csv`),
      );
    } catch (error) {
      setDownloadError(error);
    }
  };
  const items = report.status === 'ready' ? report.value.items : [];
  const sum = (pick: (row: (typeof items)[number]) => number | null) =>
    items.reduce((total, row) => total + (pick(row) ?? 0), 0);

  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        {t.revenueShareIntro}
      </Text>
      <Group component="form" onSubmit={submit} align="flex-end">
        <TextInput
          type="date"
          label={t.from}
          value={draft.from}
          onChange={(event) => setDraft({ ...draft, from: event.currentTarget.value })}
          error={fieldError('from')}
        />
        <TextInput
          type="date"
          label={t.to}
          value={draft.to}
          onChange={(event) => setDraft({ ...draft, to: event.currentTarget.value })}
          error={fieldError('to')}
        />
        <NumberInput
          label={t.sharePercent}
          description={t.shareHint}
          min={0}
          max={100}
          w={220}
          value={draft.share}
          onChange={(value) => setDraft({ ...draft, share: String(value) })}
          error={fieldError('share')}
        />
        <Button type="submit" variant="light">
          {t.show}
        </Button>
        <Button onClick={() => void download()} disabled={report.status !== 'ready' || items.length === 0}>
          {t.downloadCsv}
        </Button>
      </Group>
      <ErrorAlert error={downloadError} />
      {report.status === 'loading' && <Loader size="sm" aria-label={common.loading} />}
      {report.status === 'error' &&
        fieldError('from') === null &&
        fieldError('to') === null &&
        fieldError('share') === null && <ErrorAlert error={report.error} />}
      {report.status === 'ready' && items.length === 0 && <Text c="dimmed">{t.noRevenueShare}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={800}>
          <Table
            striped
            withTableBorder
            data-testid="revenue-share"
            styles={{ td: { whiteSpace: 'nowrap' } }}
          >
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t.campaign}</Table.Th>
                <Table.Th>{t.channel}</Table.Th>
                <Table.Th>{t.offer}</Table.Th>
                <Table.Th ta="right">{t.incrementalRevenue}</Table.Th>
                <Table.Th>{t.ci95}</Table.Th>
                <Table.Th ta="right">{t.pValue}</Table.Th>
                <Table.Th ta="right">{t.sharePercent}</Table.Th>
                <Table.Th ta="right">{t.shareAmount}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((row) => (
                <Table.Tr key={`${row.campaignId}:${row.offerId ?? ''}`}>
                  <Table.Td>
                    <Anchor component={Link} to={`/results/${encodeURIComponent(row.campaignId)}`}>
                      {row.campaignName}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{row.channel}</Table.Td>
                  <Table.Td>{row.offerId ?? '—'}</Table.Td>
                  <Table.Td ta="right">{f.incremental('revenue', row.incrementalRevenue)}</Table.Td>
                  <Table.Td>{f.interval(row.ci, (n) => f.incremental('revenue', n))}</Table.Td>
                  <Table.Td ta="right">{f.pValue(row.pValue)}</Table.Td>
                  <Table.Td ta="right">
                    {row.sharePercent === null ? '—' : f.decimal(row.sharePercent)}
                  </Table.Td>
                  <Table.Td ta="right">
                    {row.shareAmount === null ? '—' : f.money(row.shareAmount.toFixed(2), currency)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
            <Table.Tfoot>
              <Table.Tr>
                <Table.Th>{t.total}</Table.Th>
                <Table.Th />
                <Table.Th />
                <Table.Th ta="right">
                  {f.incremental(
                    'revenue',
                    sum((row) => row.incrementalRevenue),
                  )}
                </Table.Th>
                <Table.Th />
                <Table.Th />
                <Table.Th />
                <Table.Th ta="right">{f.money(sum((row) => row.shareAmount).toFixed(2), currency)}</Table.Th>
              </Table.Tr>
            </Table.Tfoot>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
};
