import { type App, type DeliveryError, startDelivery } from '@opencvm/app';
import type { Result, RunDelivery } from '@opencvm/core';
import type { Command } from 'commander';
import type { CliActors } from './audited.ts';
import { positiveInteger, table } from './campaign-commands.ts';

/** What the worker and outbox commands need from the program around them. */
export interface DeliveryCommandDeps {
  readonly withApp: <T>(work: (app: App) => Promise<T>) => Promise<T>;
  readonly out: (text: string) => void;
  readonly fail: (message: string, exitCode: number) => never;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly clock: () => Date;
  readonly actors: CliActors;
}

/** A run's delivery: statuses, failures by reason, unsubscribes and each channel's pace. */
export const deliveryLines = (report: RunDelivery): string[] => {
  const lines = [`delivery of run ${report.runId}`];
  const statuses = Object.entries(report.statuses);
  lines.push(
    statuses.length === 0
      ? '  nothing in the outbox'
      : `  ${statuses.map(([status, count]) => `${status} ${count}`).join(', ')}`,
  );
  for (const channel of report.channels) {
    const pace = channel.perSecond === null ? '' : `, ${channel.perSecond} messages/s`;
    lines.push(`  ${channel.channel}: ${channel.sent} accepted by the gateway${pace}`);
  }
  lines.push(`  unsubscribed after this run: ${report.unsubscribed}`);
  if (report.failures.length > 0) {
    lines.push('  failures by reason:');
    for (const failure of report.failures)
      lines.push(`    ${String(failure.count).padStart(7)}  ${failure.reason}`);
  }
  return lines;
};

export const registerDeliveryCommands = (program: Command, deps: DeliveryCommandDeps): void => {
  const { withApp, out, fail } = deps;
  const orRefuse = <T>(result: Result<T, DeliveryError>): T => {
    if (result.ok) return result.value;
    const error = result.error;
    return error.type === 'not_found'
      ? fail(error.message, 1)
      : fail(error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), 2);
  };

  program
    .command('worker')
    .description('send due outbox messages through the configured channels (alone, without the API)')
    .option(
      '--until-idle',
      'stop when nothing more is due within a minute instead of waiting for new messages',
    )
    .action(async (options: { untilIdle?: boolean }) => {
      await withApp(async (app) => {
        const started = await startDelivery({
          store: app.store,
          schema: app.schema,
          env: deps.env,
          cwd: deps.cwd,
          clock: deps.clock,
          log: out,
        });
        if (!started.ok) {
          return fail(started.error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), 2);
        }
        const dispatcher = started.value;
        if (dispatcher === null)
          return fail('no channel has a delivery route: add `delivery.channels` to the workspace schema', 2);
        if (options.untilIdle) {
          const totals = await dispatcher.drain({ withinMs: 60_000 });
          await dispatcher.stop();
          out(
            `sent ${totals.sent}, retrying ${totals.retried}, failed ${totals.failed}, bounced ${totals.bounced}, sent again after a stop mid-send ${totals.inDoubt}`,
          );
          return;
        }
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        await dispatcher.stop();
        const totals = dispatcher.totals();
        out(`stopped: sent ${totals.sent}, failed ${totals.failed}, bounced ${totals.bounced}`);
      });
    });

  const outbox = program.command('outbox').description('messages and their delivery');

  outbox
    .command('dead-letters')
    .description('messages that failed for good (permanent failures, retries used up, bounces)')
    .option('--run <id>', 'only this run')
    .option('--channel <name>', 'only this channel')
    .option('--limit <n>', 'how many', positiveInteger, 100)
    .option('--json', 'print JSON')
    .action(async (options: { run?: string; channel?: string; limit: number; json?: boolean }) => {
      await withApp(async (app) => {
        const letters = orRefuse(
          await app.delivery.deadLetters({
            runId: options.run,
            channel: options.channel,
            limit: options.limit,
          }),
        );
        if (options.json) return out(JSON.stringify(letters, null, 2));
        if (letters.length === 0) return out('no dead letters');
        for (const line of table(
          ['run', 'customer', 'channel', 'recipient', 'status', 'attempts', 'reason'],
          letters.map((letter) => [
            letter.runId,
            letter.customerId,
            letter.channel,
            letter.recipient,
            letter.status,
            String(letter.attempts),
            letter.reason ?? '',
          ]),
        ))
          out(line);
      });
    });

  outbox
    .command('requeue')
    .description("send a run's failed messages again (bounced ones stay: the address does not exist)")
    .argument('<run>', 'run id')
    .action(async (runId: string) => {
      await withApp(async (app) => {
        const requeued = orRefuse(await app.delivery.requeue({ runId }));
        if (requeued > 0)
          await deps.actors.operator(app).record({
            action: 'dead_letters.requeue',
            target: { type: 'run', id: runId },
            before: null,
            after: { requeued },
          });
        out(`${requeued} message(s) queued again`);
      });
    });

  outbox
    .command('report')
    .description("a run's delivery: sent, delivered, failed by reason, unsubscribed, pace per channel")
    .argument('<run>', 'run id')
    .option('--json', 'print JSON')
    .action(async (runId: string, options: { json?: boolean }) => {
      await withApp(async (app) => {
        const report = orRefuse(await app.delivery.runDelivery(runId));
        if (options.json) return out(JSON.stringify(report, null, 2));
        for (const line of deliveryLines(report)) out(line);
      });
    });
};
