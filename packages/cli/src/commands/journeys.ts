import type { App, JourneyView } from '@opencvm/app';
import { CAMPAIGN_ACTIONS, CAMPAIGN_STATUSES, type CampaignAction, type CampaignStatus } from '@opencvm/core';
import { type Command, Option } from 'commander';
import { AS_HELP } from '../audited.ts';
import { unwrap } from '../errors.ts';
import { positiveInteger } from '../options.ts';
import { table } from '../table.ts';
import { ACTION_PERMISSION, readDefinitionOption } from './campaigns.ts';
import type { CommandDeps } from './command-deps.ts';

const ACTION_HELP: Readonly<Record<CampaignAction, string>> = {
  submit: 'send a draft without issues for approval',
  approve: 'approve a pending journey (not by its author or submitter)',
  reject: 'send a pending journey back to draft',
  start: 'start an approved journey: customers enter as its trigger fires',
  stop: 'stop a journey: nobody enters, everyone on it leaves',
  complete: 'complete a journey: nobody enters, those on it finish',
};

/** `cvm journey`: event-triggered, multi-step journeys, their lifecycle, funnel and results. */
export const registerJourneyCommands = (program: Command, deps: CommandDeps): void => {
  const { withApp, out } = deps;
  const printJson = (value: unknown) => out(JSON.stringify(value, null, 2));
  const target = (id: string) => ({ type: 'journey', id });
  const before = async (app: App, id: string) => {
    const found = await app.journeys.show(id);
    return found.ok ? found.value.journey : null;
  };
  const line = (view: JourneyView): string =>
    `journey ${view.journey.id} is ${view.journey.status} (version ${view.version})${
      view.issues.length === 0
        ? ''
        : `, ${view.issues.length} issue${view.issues.length === 1 ? '' : 's'} to fix before it is submitted`
    }`;
  const printIssues = (view: JourneyView) => {
    for (const issue of view.issues)
      out(`  ${issue.node === undefined ? '' : `[${issue.node}] `}${issue.path}: ${issue.message}`);
  };

  const readDefinition = (options: { file?: string; json?: string }): Promise<unknown> =>
    readDefinitionOption(options, deps.context.cwd);

  const journey = program
    .command('journey')
    .description('event-triggered, multi-step journeys: draft → approval → running → stopped / completed');

  journey
    .command('create')
    .description('save a new draft journey (JSON), authored by the acting user; prints its issues')
    .option('--file <file>', 'a file holding the definition as JSON')
    .option('--json <text>', 'the definition as JSON')
    .option('--as <user>', AS_HELP, deps.login)
    .action(async (options: { file?: string; json?: string; as: string }) => {
      const definition = await readDefinition(options);
      await withApp(async (app) => {
        const acting = await deps.actors.acting(app, { as: options.as, permission: 'campaigns.write' });
        const saved = unwrap(await app.journeys.create(definition, { by: acting.name }));
        await acting.record({
          action: 'journey.create',
          target: target(saved.journey.id),
          before: null,
          after: saved.journey,
        });
        out(`created ${line(saved)}`);
        printIssues(saved);
      });
    });

  journey
    .command('update')
    .description("replace a journey's definition (past draft: a new version, back to draft)")
    .argument('<id>', 'journey id')
    .option('--file <file>', 'a file holding the definition as JSON')
    .option('--json <text>', 'the definition as JSON')
    .option(
      '--expect-version <n>',
      'the version the change is based on (refused if it moved)',
      positiveInteger,
    )
    .option('--as <user>', AS_HELP, deps.login)
    .action(
      async (id: string, options: { file?: string; json?: string; as: string; expectVersion?: number }) => {
        const definition = await readDefinition(options);
        await withApp(async (app) => {
          const acting = await deps.actors.acting(app, { as: options.as, permission: 'campaigns.write' });
          const previous = await before(app, id);
          const saved = unwrap(
            await app.journeys.update(id, definition, {
              by: acting.name,
              expectedVersion: options.expectVersion,
            }),
          );
          await acting.record({
            action: 'journey.update',
            target: target(id),
            before: previous,
            after: saved.journey,
          });
          out(`updated ${line(saved)}`);
          printIssues(saved);
        });
      },
    );

  journey
    .command('list')
    .description('journeys, optionally of one status')
    .addOption(new Option('--status <status>', 'only journeys in this status').choices(CAMPAIGN_STATUSES))
    .option('--json', 'print JSON')
    .action(async (options: { status?: CampaignStatus; json?: boolean }) => {
      await withApp(async (app) => {
        const journeys = await app.journeys.list({ status: options.status });
        if (options.json) return printJson(journeys);
        if (journeys.length === 0) return out('no journeys');
        for (const row of table(
          ['id', 'status', 'version', 'entry', 'issues', 'name'],
          journeys.map((view) => [
            view.journey.id,
            view.journey.status,
            String(view.version),
            view.journey.entry.type,
            String(view.issues.length),
            view.journey.name,
          ]),
        ))
          out(row);
      });
    });

  journey
    .command('show')
    .description("a journey's definition, status, history and issues (JSON)")
    .argument('<id>', 'journey id')
    .action(async (id: string) => {
      await withApp(async (app) => printJson(unwrap(await app.journeys.show(id))));
    });

  journey
    .command('delete')
    .description('delete a draft nobody entered')
    .argument('<id>', 'journey id')
    .option('--as <user>', AS_HELP, deps.login)
    .action(async (id: string, options: { as: string }) => {
      await withApp(async (app) => {
        const acting = await deps.actors.acting(app, { as: options.as, permission: 'campaigns.write' });
        const previous = await before(app, id);
        unwrap(await app.journeys.remove(id));
        await acting.record({ action: 'journey.delete', target: target(id), before: previous, after: null });
        out(`deleted journey ${id}`);
      });
    });

  for (const action of CAMPAIGN_ACTIONS) {
    journey
      .command(action)
      .description(ACTION_HELP[action])
      .argument('<id>', 'journey id')
      .option('--note <text>', 'why (kept in the history)')
      .option('--expect-version <n>', 'the version the action is based on', positiveInteger)
      .option('--as <user>', AS_HELP, deps.login)
      .action(async (id: string, options: { note?: string; expectVersion?: number; as: string }) => {
        await withApp(async (app) => {
          const acting = await deps.actors.acting(app, {
            as: options.as,
            permission: ACTION_PERMISSION[action],
          });
          const previous = await before(app, id);
          const moved = unwrap(
            await app.journeys.act(id, action, {
              by: acting.name,
              note: options.note,
              expectedVersion: options.expectVersion,
            }),
          );
          await acting.record({
            action: `journey.${action}`,
            target: target(id),
            before: previous,
            after: moved.journey,
          });
          out(line(moved));
        });
      });
  }

  journey
    .command('funnel')
    .description('who entered, is at each node, reached it and left (by reason)')
    .argument('<id>', 'journey id')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      await withApp(async (app) => {
        const funnel = unwrap(await app.journeys.funnel(id));
        if (options.json) return printJson(funnel);
        out(
          `entered: ${funnel.entered.treated} treated, ${funnel.entered.holdout} holdout, ${funnel.entered.ucg} ucg; ${funnel.active} on it now`,
        );
        const left = Object.entries(funnel.left);
        if (left.length > 0) out(`left: ${left.map(([reason, n]) => `${reason} ${n}`).join(', ')}`);
        for (const row of table(
          ['node', 'reached', 'here', 'outcomes'],
          funnel.nodes.map((node) => [
            node.node,
            String(node.reached),
            String(node.here),
            Object.entries(node.outcomes)
              .map(([outcome, n]) => `${outcome} ${n}`)
              .join(', '),
          ]),
        ))
          out(row);
      });
    });

  journey
    .command('results')
    .description('treated vs holdout by intention to treat, each metric with its 95% interval (JSON)')
    .argument('<id>', 'journey id')
    .option('--by-node <node>', 'per path taken at this split or branch node')
    .action(async (id: string, options: { byNode?: string }) => {
      await withApp(async (app) =>
        printJson(unwrap(await app.journeys.results(id, { byNode: options.byNode }))),
      );
    });

  registerJourneyWorker(journey, deps);

  journey
    .command('entries')
    .description("a customer's journeys: where they are, or why they left (JSON)")
    .argument('<customer>', 'customer id')
    .action(async (customer: string) => {
      await withApp(async (app) => printJson(await app.journeys.entries(customer)));
    });
};

/** `cvm journey worker`: the journeys' timers, triggers and sweeps, without the API. */
export const registerJourneyWorker = (journey: Command, deps: CommandDeps): void => {
  journey
    .command('worker')
    .description("move journeys' customers on as their timers and triggers fall due (alone, without the API)")
    .option('--until-idle', 'stop once nothing is due within a few seconds instead of waiting')
    .option(
      '--lease-seconds <n>',
      'how long work this worker claims stays its own: another worker takes it over after that if this one stops',
      positiveInteger,
      60,
    )
    .action(async (options: { untilIdle?: boolean; leaseSeconds: number }) => {
      const leaseMs = options.leaseSeconds * 1000;
      await deps.withApp(async (app) => {
        const runtime = app.journeyRuntime;
        let entered = 0;
        let moved = 0;
        let messages = 0;
        const stopLogging = runtime.onBatch((outcome) => {
          entered += outcome.entered;
          moved += outcome.moved;
          messages += outcome.messages;
          deps.out(
            `journeys: entered ${outcome.entered}, moved ${outcome.moved}, queued ${outcome.messages}`,
          );
        });
        const totals = () => `entered ${entered}, moved ${moved}, queued ${messages}`;
        if (options.untilIdle) {
          await runtime.sweep();
          for (;;) {
            const done = await runtime.tick({ leaseMs });
            const next = await app.journeyRuntime.nextWake();
            const wait =
              next === null ? Number.POSITIVE_INFINITY : next.getTime() - deps.context.clock().getTime();
            if (wait > IDLE_MS) break;
            // Work due but not claimable yet (another worker's lease) is looked at again shortly.
            const idle = done.entered + done.moved === 0 ? 100 : 0;
            await new Promise((resolve) => setTimeout(resolve, Math.max(idle, wait)));
          }
          stopLogging();
          deps.out(`idle: ${totals()}`);
          return;
        }
        const signal = new AbortController();
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          signal.abort();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        await runtime.run({
          signal: signal.signal,
          leaseMs,
          onError: (error) => deps.out(`journeys: ${error instanceof Error ? error.message : String(error)}`),
        });
        stopLogging();
        deps.out(`stopped: ${totals()}`);
      });
    });
};

/** `--until-idle` stops when the next timer is further away than this. */
const IDLE_MS = 5_000;
