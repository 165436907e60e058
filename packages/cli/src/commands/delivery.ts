import type { RunDelivery } from '@opencvm/core';
import type { Command } from 'commander';
import { startChannels } from '../compose/open-app.ts';
import { EXIT, fail, unwrap } from '../errors.ts';
import { positiveInteger } from '../options.ts';
import { table } from '../table.ts';
import type { CommandDeps } from './command-deps.ts';

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

/** `cvm worker` and `cvm outbox`: sending the outbox, and what became of it. */
export const registerDeliveryCommands = (program: Command, deps: CommandDeps): void => {
  const { withApp, out, context } = deps;

  program
    .command('worker')
    .description('send due outbox messages through the configured channels (alone, without the API)')
    .option(
      '--until-idle',
      'stop when nothing more is due within a minute instead of waiting for new messages',
    )
    .action(async (options: { untilIdle?: boolean }) => {
      await deps.withWorkspace(async (workspace) => {
        const dispatcher = await startChannels(workspace, {
          env: context.env,
          cwd: context.cwd,
          clock: context.clock,
          log: out,
        });
        if (dispatcher === null)
          return fail(
            'no channel has a delivery route: add `delivery.channels` to the workspace schema',
            EXIT.usage,
          );
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
        const letters = unwrap(
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
        const requeued = unwrap(await app.delivery.requeue({ runId }));
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
        const report = unwrap(await app.delivery.runDelivery(runId));
        if (options.json) return out(JSON.stringify(report, null, 2));
        for (const line of deliveryLines(report)) out(line);
      });
    });
};
