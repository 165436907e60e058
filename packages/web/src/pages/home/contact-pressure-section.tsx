import { Box, Loader, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { resultsApi } from '@opencvm/core';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { call } from '../../api/client.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { homeMessages } from '../../i18n/home-messages.ts';
import { useFormat, useLocale, useMessages } from '../../i18n/i18n.tsx';

const CHANNEL_COLORS = ['#1c7ed6', '#f76707', '#37b24d', '#ae3ec9', '#f59f00'];

/** Messages per customer per week by channel: the weekly chart and each channel's averages. */
export const ContactPressureSection = ({ from, to }: { readonly from: string; readonly to: string }) => {
  const t = useMessages(homeMessages);
  const common = useMessages(commonMessages);
  const format = useFormat();
  const { locale } = useLocale();
  // Pressure over the whole base is small (0.014 a week): two significant digits, not two decimals.
  const small = new Intl.NumberFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', { maximumSignificantDigits: 2 });
  const pressure = useLoad(() => call(resultsApi.contactPressure, { query: { from, to } }), [from, to]);
  const ratio = (value: number | null) => (value === null ? '—' : format.decimal(value));
  const body = () => {
    if (pressure.status === 'loading') return <Loader size="sm" aria-label={common.loading} />;
    if (pressure.status === 'error') return <ErrorAlert error={pressure.error} />;
    const value = pressure.value;
    const channels = value.byChannel.map((channel) => channel.channel);
    const weeks = [...new Set(value.byWeek.map((week) => week.weekStart))].sort();
    const data = weeks.map((weekStart) => ({
      week: format.date(`${weekStart}T12:00:00Z`),
      ...Object.fromEntries(
        value.byWeek
          .filter((week) => week.weekStart === weekStart)
          .map((week) => [week.channel, week.perContacted ?? 0]),
      ),
    }));
    return (
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          {t.pressureIntro(value.timezone, format.integer(value.base))}
        </Text>
        {value.byChannel.length === 0 ? (
          <Text c="dimmed">{t.noPressure}</Text>
        ) : (
          <>
            <Box h={260} role="img" aria-label={t.chartLabel}>
              <ResponsiveContainer>
                <BarChart data={data} margin={{ left: 8, right: 16, top: 8 }}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="week" />
                  <YAxis tickFormatter={(tick: number) => format.decimal(tick)} allowDecimals />
                  <Tooltip formatter={(tick) => format.decimal(Number(tick))} />
                  <Legend />
                  {channels.map((channel, index) => (
                    <Bar
                      key={channel}
                      dataKey={channel}
                      name={channel}
                      fill={CHANNEL_COLORS[index % CHANNEL_COLORS.length]}
                      isAnimationActive={false}
                    />
                  ))}
                </BarChart>
              </ResponsiveContainer>
            </Box>
            <Table withTableBorder striped data-testid="contact-pressure">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t.channelsColumn}</Table.Th>
                  <Table.Th ta="right">{t.messages}</Table.Th>
                  <Table.Th ta="right">{t.activeWeeks}</Table.Th>
                  <Table.Th ta="right">{t.perContacted}</Table.Th>
                  <Table.Th ta="right">{t.peak}</Table.Th>
                  <Table.Th ta="right">{t.perBase}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {value.byChannel.map((channel) => (
                  <Table.Tr key={channel.channel}>
                    <Table.Td>{channel.channel}</Table.Td>
                    <Table.Td ta="right">{format.integer(channel.messages)}</Table.Td>
                    <Table.Td ta="right">{format.integer(channel.activeWeeks)}</Table.Td>
                    <Table.Td ta="right">{ratio(channel.perContactedWeekly)}</Table.Td>
                    <Table.Td ta="right">{ratio(channel.peakPerContacted)}</Table.Td>
                    <Table.Td ta="right">
                      {channel.perBaseWeekly === null ? '—' : small.format(channel.perBaseWeekly)}
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
  return (
    <Paper withBorder p="md" component="section" aria-label={t.pressureTitle}>
      <Stack gap="sm">
        <Title order={3}>{t.pressureTitle}</Title>
        {body()}
      </Stack>
    </Paper>
  );
};
