import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type ComparisonResults,
  METRICS,
  type MetricName,
  planCampaign,
  revenueShareCsv,
} from '@opencvm/app';
import { type Command, InvalidArgumentError } from 'commander';
import { unwrap } from '../errors.ts';
import type { CommandDeps } from './command-deps.ts';

const dateOption = (value: string): Date => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
    throw new InvalidArgumentError(`expected a date such as 2026-03-01, got "${value}"`);
  return new Date(`${value}T00:00:00Z`);
};

const numberOption = (value: string): number => {
  if (!/^-?\d+(\.\d+)?$/.test(value)) throw new InvalidArgumentError(`expected a number, got "${value}"`);
  return Number(value);
};

const percent = (value: number | null | undefined, digits = 2): string =>
  value === null || value === undefined ? '—' : `${(value * 100).toFixed(digits)}%`;
const amount = (value: number | null | undefined): string =>
  value === null || value === undefined
    ? '—'
    : value.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const pValue = (value: number | null | undefined): string =>
  value === null || value === undefined ? '—' : value < 0.0001 ? '< 0.0001' : value.toFixed(4);

const LABELS: Readonly<Record<MetricName, string>> = {
  conversion: 'conversion',
  revenue: 'revenue per customer',
  orders: 'orders per customer',
  retention: 'retention (active)',
};

/** The arms and each metric's lift, interval and p-value, as aligned lines. */
export const comparisonLines = (results: ComparisonResults, indent = ''): string[] => {
  const lines: string[] = [];
  const target = results.arms.target;
  const against = results.comparison === null ? undefined : results.arms[results.comparison];
  lines.push(
    `${indent}target ${target?.n ?? 0}, ${results.comparison ?? 'no comparison group'} ${against?.n ?? 0}${results.arms.ucg && results.comparison !== 'ucg' ? `, ucg ${results.arms.ucg.n}` : ''}`,
  );
  for (const name of METRICS) {
    const metric = results.metrics[name];
    if (metric === undefined) continue;
    const test = metric.test;
    const show = metric.kind === 'rate' ? (value: number | null) => percent(value) : amount;
    const ci = test.ci === null ? '—' : `[${show(test.ci[0])}, ${show(test.ci[1])}]`;
    const incremental =
      metric.incremental.value === null
        ? ''
        : `, incremental ${metric.kind === 'rate' ? Math.round(metric.incremental.value) : amount(metric.incremental.value)}${metric.incremental.ci === null ? '' : ` [${metric.kind === 'rate' ? Math.round(metric.incremental.ci[0]) : amount(metric.incremental.ci[0])}, ${metric.kind === 'rate' ? Math.round(metric.incremental.ci[1]) : amount(metric.incremental.ci[1])}]`}`;
    lines.push(
      `${indent}${LABELS[name].padEnd(22)} ${show(test.treatmentMean).padStart(10)} vs ${show(test.controlMean).padStart(10)}  lift ${show(test.lift)} (${percent(test.liftRelative, 1)}) 95% CI ${ci}  p ${pValue(test.pValue)}${incremental}`,
    );
  }
  return lines;
};

/** `cvm results`, `programme`, `revenue-share` and `plan`: what campaigns measurably did. */
export const registerResultsCommands = (program: Command, deps: CommandDeps): void => {
  const { withApp, out } = deps;

  program
    .command('results')
    .description("a campaign's incremental results against its holdout, with 95% intervals")
    .argument('<campaign>', 'campaign id')
    .option('--run <id>', 'only this run (default: every completed run)')
    .option('--by <attribute>', 'break down by a customer attribute, or segment:<id>')
    .option('--json', 'print JSON')
    .action(async (campaignId: string, options: { run?: string; by?: string; json?: boolean }) => {
      await withApp(async (app) => {
        const results = unwrap(
          await app.results.campaignResults(campaignId, { runId: options.run, by: options.by }),
        );
        if (options.json) return out(JSON.stringify(results, null, 2));
        out(
          `results of ${campaignId} (goal: ${results.kpi}, ${results.attributionDays}-day window, as of ${results.asOf})`,
        );
        for (const line of comparisonLines(results, '  ')) out(line);
        for (const warning of results.warnings) out(`  warning: ${warning.message}`);
        for (const slice of results.breakdown?.slices ?? []) {
          out(`${results.breakdown?.by ?? ''} = ${slice.value ?? '(none)'}`);
          for (const line of comparisonLines(slice, '  ')) out(line);
        }
      });
    });

  program
    .command('programme')
    .description('the whole CVM programme against the universal control group over a period')
    .requiredOption('--from <date>', 'first day (UTC)', dateOption)
    .requiredOption('--to <date>', 'day after the last (UTC)', dateOption)
    .option('--json', 'print JSON')
    .action(async (options: { from: Date; to: Date; json?: boolean }) => {
      await withApp(async (app) => {
        const results = unwrap(await app.results.programme(options));
        if (options.json) return out(JSON.stringify(results, null, 2));
        out('programme: customers who qualified for a campaign, outside the UCG vs inside it');
        for (const line of comparisonLines(results, '  ')) out(line);
      });
    });

  program
    .command('revenue-share')
    .description('incremental revenue by campaign, channel and offer, and the configured share of it')
    .requiredOption('--from <date>', 'runs started on or after this day (UTC)', dateOption)
    .requiredOption('--to <date>', 'runs started before this day (UTC)', dateOption)
    .option(
      '--share <percent>',
      'the share in percent (default: measurement.revenueSharePercent)',
      numberOption,
    )
    .option('--csv <file>', 'write the report as CSV to this file')
    .action(async (options: { from: Date; to: Date; share?: number; csv?: string }) => {
      await withApp(async (app) => {
        const rows = unwrap(
          await app.results.revenueShare({ from: options.from, to: options.to, sharePercent: options.share }),
        );
        if (options.csv !== undefined) {
          await writeFile(resolve(deps.context.cwd, options.csv), revenueShareCsv(rows));
          return out(`wrote ${rows.length} row(s) to ${options.csv}`);
        }
        if (rows.length === 0) return out('no completed runs in the period');
        for (const row of rows) {
          out(
            `${row.campaignId}  ${row.channel}  ${row.offerId ?? '(no offer)'}  incremental ${amount(row.incrementalRevenue)}${row.ci === null ? '' : ` [${amount(row.ci[0])}, ${amount(row.ci[1])}]`}  share ${row.sharePercent === null ? '—' : `${row.sharePercent}%`} = ${amount(row.shareAmount)}`,
          );
        }
      });
    });

  program
    .command('plan')
    .description('the smallest lift a design can detect, and what a wanted one needs')
    .requiredOption('--base-rate <rate>', 'conversion without the campaign, e.g. 0.05', numberOption)
    .requiredOption('--audience <n>', 'customers in the audience', numberOption)
    .option('--control-share <percent>', 'the holdout in percent', numberOption, 10)
    .option('--mde <lift>', 'a wanted absolute lift, e.g. 0.005')
    .action((options: { baseRate: number; audience: number; controlShare: number; mde?: string }) => {
      const mde = options.mde === undefined ? undefined : numberOption(options.mde);
      const plan = unwrap(
        planCampaign({
          baseRate: options.baseRate,
          audience: options.audience,
          controlSharePercent: options.controlShare,
          mde,
        }),
      );
      out(
        `detectable lift (80% power, 5% significance): ${percent(plan.mde.absolute)} absolute, ${percent(plan.mde.relative, 1)} relative`,
      );
      if (plan.forWantedMde !== null) {
        const share = plan.forWantedMde.controlSharePercent;
        out(
          `for ${percent(plan.forWantedMde.mde)}: ${share === null ? 'not detectable with any holdout up to 50% of this audience' : `a holdout of ${share}%`}; at ${options.controlShare}% the audience must be ${plan.forWantedMde.audience.toLocaleString('en')}`,
        );
      }
    });
};
