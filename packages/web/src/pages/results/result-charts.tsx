import { Box, SegmentedControl, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ErrorBar,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useMessages } from '../../i18n/i18n.tsx';
import { resultsMessages } from '../../i18n/results-messages.ts';
import { significanceColor, useResultFormat } from './result-format.ts';
import { type CampaignResults, type Comparison, type DailyPoint, METRIC_NAMES } from './results-api.ts';

const COLORS: Readonly<Record<string, string>> = {
  teal: '#0ca678',
  yellow: '#f59f00',
  gray: '#868e96',
  red: '#e03131',
};

/** Each metric's relative lift as a bar with its 95% interval as whiskers (a forest plot). */
export const LiftChart = ({
  results,
  currency,
}: {
  readonly results: Pick<Comparison, 'metrics'>;
  readonly currency: string;
}) => {
  const t = useMessages(resultsMessages);
  const f = useResultFormat(currency);
  const data = METRIC_NAMES.flatMap((metric) => {
    const test = results.metrics[metric]?.test;
    if (test === undefined || test.liftRelative === null || test.relativeCi === null) return [];
    const lift = test.liftRelative * 100;
    return [
      {
        name: t.metrics[metric],
        lift,
        interval: [lift - test.relativeCi[0] * 100, test.relativeCi[1] * 100 - lift],
        ci: test.relativeCi,
        color: COLORS[significanceColor(test.pValue, test.lift)] ?? '#868e96',
      },
    ];
  });
  if (data.length === 0) return <Text c="dimmed">{t.noLift}</Text>;
  return (
    <Stack gap={4}>
      <Box h={60 + data.length * 56} role="img" aria-label={t.liftChartTitle}>
        <ResponsiveContainer>
          <BarChart data={data} layout="vertical" margin={{ left: 24, right: 32, top: 8, bottom: 8 }}>
            <CartesianGrid horizontal={false} strokeDasharray="3 3" />
            <XAxis type="number" tickFormatter={(value: number) => f.relative(value / 100)} />
            <YAxis type="category" dataKey="name" width={180} />
            <ReferenceLine x={0} stroke="#495057" />
            <Tooltip
              formatter={(_value, _name, item) => {
                const point = data.find((entry) => entry.name === item.payload?.name);
                return point === undefined
                  ? ''
                  : `${f.relative(point.lift / 100)} (${t.ci95} ${f.interval(point.ci, f.relative)})`;
              }}
            />
            <Bar dataKey="lift" name={t.columns.relative} barSize={18} isAnimationActive={false}>
              {data.map((entry) => (
                <Cell key={entry.name} fill={entry.color} />
              ))}
              <ErrorBar
                dataKey="interval"
                direction="x"
                width={8}
                stroke="#212529"
                strokeWidth={1.5}
                isAnimationActive={false}
              />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </Box>
      <Text size="xs" c="dimmed">
        {t.liftChartHint}
      </Text>
    </Stack>
  );
};

/** Cumulative conversion rate (or revenue per member) day by day since the run, target vs comparison. */
export const CumulativeChart = ({
  daily,
  results,
  currency,
  since,
}: {
  readonly daily: readonly DailyPoint[];
  readonly results: CampaignResults;
  readonly currency: string;
  /** The start of the earliest run shown: days after `asOf` have not happened yet. */
  readonly since: string | null;
}) => {
  const t = useMessages(resultsMessages);
  const f = useResultFormat(currency);
  const [measure, setMeasure] = useState<'conversion' | 'revenue'>('conversion');
  const against = results.comparison ?? 'control';
  const groups = ['target', against] as const;
  const elapsed =
    since === null
      ? results.attributionDays - 1
      : Math.floor((Date.parse(results.asOf) - Date.parse(since)) / 86_400_000);
  const lastDay = Math.max(
    Math.min(results.attributionDays - 1, elapsed),
    ...daily.map((point) => point.day),
  );
  const sizes = new Map(
    groups.map((group) => [group, results.arms[group]?.n ?? daily.find((p) => p.group === group)?.n ?? 0]),
  );
  // Days without a first conversion keep the day before's totals.
  const running = new Map(groups.map((group) => [group, { converters: 0, revenue: 0 }]));
  const data = Array.from({ length: lastDay + 1 }, (_, day) => {
    const row: { day: number; target: number | null; control: number | null; ucg: number | null } = {
      day,
      target: null,
      control: null,
      ucg: null,
    };
    for (const group of groups) {
      const point = daily.find((entry) => entry.day === day && entry.group === group);
      const totals = running.get(group) ?? { converters: 0, revenue: 0 };
      if (point !== undefined) {
        totals.converters = point.converters;
        totals.revenue = Number(point.revenue);
      }
      running.set(group, totals);
      const n = sizes.get(group) ?? 0;
      row[group] = n === 0 ? null : (measure === 'conversion' ? totals.converters : totals.revenue) / n;
    }
    return row;
  });
  if (daily.length === 0) return <Text c="dimmed">{t.noDaily}</Text>;
  const show = (value: number) =>
    measure === 'conversion' ? f.percent(value) : f.money(value.toFixed(2), currency);
  return (
    <Stack gap="xs">
      <SegmentedControl
        aria-label={t.cumulativeMeasure}
        value={measure}
        onChange={(value) => setMeasure(value === 'revenue' ? 'revenue' : 'conversion')}
        data={[
          { value: 'conversion', label: t.cumulativeConversion },
          { value: 'revenue', label: t.cumulativeRevenue },
        ]}
        w="fit-content"
      />
      <Box h={300} role="img" aria-label={t.cumulativeTitle}>
        <ResponsiveContainer>
          <LineChart data={data} margin={{ left: 16, right: 24, top: 8, bottom: 16 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="day"
              label={{ value: t.day, position: 'insideBottom', offset: -8 }}
              tickFormatter={(day: number) => String(day)}
            />
            <YAxis tickFormatter={show} width={90} />
            <Tooltip
              labelFormatter={(day) => t.dayLabel(Number(day))}
              formatter={(value) => (typeof value === 'number' ? show(value) : String(value))}
            />
            <Legend verticalAlign="top" />
            <Line
              type="stepAfter"
              dataKey="target"
              name={t.groups.target}
              stroke="#1c7ed6"
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
            />
            <Line
              type="stepAfter"
              dataKey={against}
              name={t.groups[against]}
              stroke="#868e96"
              strokeWidth={2}
              strokeDasharray="6 3"
              dot={false}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </Box>
    </Stack>
  );
};
