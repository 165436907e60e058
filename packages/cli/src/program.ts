import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import {
  type App,
  type AppConfig,
  createApp,
  formatSchemaIssues,
  loadConfig,
  loadWorkspaceSchema,
} from '@opencvm/app';
import {
  FILE_FORMATS,
  type FileFormat,
  IMPORT_KINDS,
  type ImportKind,
  type ImportRun,
  StoreError,
} from '@opencvm/core';
import { generateDemo } from '@opencvm/demo';

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { registerAccountCommands } from './account-commands.ts';
import { cliActors, importChange } from './audited.ts';
import { registerCampaignCommands } from './campaign-commands.ts';
import { registerDeliveryCommands } from './delivery-commands.ts';
import { ensureDemoData } from './demo-data.ts';
import { registerMeasureCommand } from './measure-command.ts';
import { progressBar } from './progress.ts';
import { registerResultsCommands } from './results-commands.ts';
import { registerSegmentCommands } from './segment-commands.ts';
import { serve } from './serve.ts';

/** Where the CLI writes: the process's streams, or a buffer in tests. */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface CliContext {
  readonly clock: () => Date;
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export const realClock = (): Date => new Date();

/** A failure the user can act on: printed without a stack trace. */
class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const packageVersion = async (): Promise<string> => {
  const text = await readFile(new URL('../package.json', import.meta.url), 'utf8');
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null && 'version' in parsed
    ? String(parsed.version)
    : '0.0.0';
};

const parseMapping = (value: string, previous: Record<string, string>): Record<string, string> => {
  const match = /^([^=]+)=([^=]+)$/.exec(value);
  if (!match?.[1] || !match[2])
    throw new InvalidArgumentError(`expected <file column>=<field>, got "${value}"`);
  return { ...previous, [match[1]]: match[2] };
};

const positiveInteger = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return Number(value);
};

const integer = (value: string): number => {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return Number(value);
};

/** The OS login: the operator the audit log names (`cli:<login>`) and the default `--as`. */
const osUser = (env: CliContext['env']): string => {
  const named = env.USER ?? env.USERNAME;
  if (named !== undefined && named !== '') return named;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
};

const summaryLine = (run: ImportRun): string => {
  const rate = run.seconds > 0 ? Math.round(run.read / run.seconds) : run.read;
  return `read ${run.read}, inserted ${run.inserted}, updated ${run.updated}, unchanged ${run.unchanged}, duplicates ${run.duplicates}, rejected ${run.rejected}, ${run.seconds.toFixed(2)} s, ${rate} rows/s`;
};

export const runCli = async (argv: readonly string[], context: CliContext): Promise<number> => {
  const out = (text: string) => context.stdout.write(`${text}\n`);
  const fail = (message: string, exitCode: number): never => {
    throw new UserError(message, exitCode);
  };
  const login = osUser(context.env);
  const actors = cliActors({ login, fail });
  const config = (): AppConfig => {
    const loaded = loadConfig(context.env, context.cwd);
    if (!loaded.ok) throw new UserError(`${loaded.error.key}: ${loaded.error.message}`, 2);
    return loaded.value;
  };
  const withApp = async <T>(work: (app: App, appConfig: AppConfig) => Promise<T>): Promise<T> => {
    const appConfig = config();
    const schema = await loadWorkspaceSchema(appConfig.schemaPath);
    if (!schema.ok) throw new UserError(formatSchemaIssues(schema.error), 2);
    const app = await createApp({ store: appConfig.store, schema: schema.value }, { clock: context.clock });
    try {
      return await work(app, appConfig);
    } finally {
      await app.close();
    }
  };

  const program = new Command('cvm')
    .description('OpenCVM: customer value management — segments, campaigns, control groups, measured results')
    .version(await packageVersion())
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .showHelpAfterError();

  program
    .command('serve')
    .description('start the HTTP API (port from PORT, default 8080)')
    .option('--demo', 'on an empty store, generate and import demo data first')
    .option('--demo-customers <n>', 'size of the demo base', positiveInteger, 100_000)
    .action(async (options: { demo?: boolean; demoCustomers: number }) => {
      await withApp(async (app, appConfig) => {
        if (options.demo) {
          await ensureDemoData({
            app,
            dataDir: appConfig.dataDir,
            customers: options.demoCustomers,
            today: realClock(),
            log: out,
            acting: actors.operator(app),
          });
        }
        await serve({
          app,
          host: appConfig.host,
          port: appConfig.port,
          version: await packageVersion(),
          log: out,
          clock: context.clock,
          env: context.env,
          cwd: context.cwd,
          fail,
        });
      });
    });

  program
    .command('import')
    .description('import customers, events or relations from a CSV, JSONL or Parquet file')
    .addArgument(program.createArgument('<kind>', 'what the file holds').choices(IMPORT_KINDS))
    .argument('<file>', 'the file to import')
    .addOption(
      new Option('--format <format>', 'file format (default: from the extension)').choices(FILE_FORMATS),
    )
    .option('--map <column=field>', 'read a file column as a field (repeatable)', parseMapping, {})
    .option('--skip-invalid', 'load the valid rows and write the invalid ones to the rejects file')
    .option('--rejects <file>', 'where to write the rejects report (default: <file>.rejects.csv)')
    .action(
      async (
        kind: ImportKind,
        file: string,
        options: {
          format?: FileFormat;
          map: Record<string, string>;
          skipInvalid?: boolean;
          rejects?: string;
        },
      ) => {
        await withApp(async (app) => {
          const bar = progressBar(context.stderr, () => context.clock().getTime());
          const result = await app.importFile({
            kind,
            path: resolve(context.cwd, file),
            mapping: options.map,
            skipInvalid: options.skipInvalid === true,
            ...(options.format ? { format: options.format } : {}),
            ...(options.rejects ? { rejectsPath: resolve(context.cwd, options.rejects) } : {}),
            onProgress: (progress) => bar.update(progress),
          });
          bar.done();
          if (!result.ok) {
            const error = result.error;
            if (error.type !== 'invalid_rows') throw new UserError(`${file}: ${error.message}`);
            const lines = error.sample.flatMap((rejected) =>
              rejected.issues.map(
                (issue) =>
                  `  line ${rejected.line}, ${issue.column}${issue.value === null ? '' : ` = ${JSON.stringify(issue.value)}`}: ${issue.reason}`,
              ),
            );
            throw new UserError(
              [
                `${file}: ${error.message}`,
                ...lines,
                error.rejectsPath ? `all rejects: ${error.rejectsPath}` : '',
              ].join('\n'),
            );
          }
          const { run, rejectsPath } = result.value;
          await actors.operator(app).record(importChange(kind, run));
          out(`${kind}: ${summaryLine(run)}`);
          if (rejectsPath) out(`rejects: ${rejectsPath}`);
        });
      },
    );

  program
    .command('imports')
    .description('list recent imports')
    .option('--limit <n>', 'how many', positiveInteger, 20)
    .option('--json', 'print JSON')
    .action(async (options: { limit: number; json?: boolean }) => {
      await withApp(async (app) => {
        const runs = await app.store.listImportRuns(options.limit);
        if (options.json) return out(JSON.stringify(runs, null, 2));
        for (const run of runs) {
          out(
            `${run.startedAt}  ${run.status.padEnd(9)} ${run.kind.padEnd(9)} ${run.source}  ${summaryLine(run)}${run.error ? `  (${run.error})` : ''}`,
          );
        }
      });
    });

  program
    .command('summary')
    .description('counts of customers, events and relations')
    .action(async () => {
      await withApp(async (app) => out(JSON.stringify(await app.summary(), null, 2)));
    });

  program
    .command('optimize')
    .description(
      'store the events by month, type and customer (embedded store), after a bulk load of history',
    )
    .action(async () => {
      await withApp(async (app) => {
        const started = performance.now();
        const { events } = await app.store.optimize();
        // Rewriting the events in another order is a change only when there were events to move.
        if (events > 0)
          await actors
            .operator(app)
            .record({ action: 'store.optimize', target: null, before: null, after: { events } });
        out(
          events === 0
            ? 'nothing to do on this store'
            : `${events.toLocaleString('en')} events stored by month, type and customer in ${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
      });
    });

  const customers = program.command('customers').description('look up customers');
  customers
    .command('show')
    .description("a customer's attributes, consent, last events and relations")
    .argument('<id>', 'customer id')
    .option('--events <n>', 'how many recent events', positiveInteger, 20)
    .option('--json', 'print JSON')
    .action(async (id: string, options: { events: number; json?: boolean }) => {
      await withApp(async (app) => {
        const details = await app.customer(id, { events: options.events });
        if (!details) throw new UserError(`no customer with id "${id}"`);
        if (options.json) return out(JSON.stringify(details, null, 2));
        const { customer, lastEvents, relations } = details;
        out(`customer ${id}`);
        const consent = Object.entries(customer).filter(([key]) => key.startsWith('consent_'));
        for (const [key, value] of Object.entries(customer)) {
          if (!key.startsWith('consent_')) out(`  ${key.padEnd(24)} ${value ?? '—'}`);
        }
        out('consent');
        for (const [key, value] of consent) {
          out(
            `  ${key.slice('consent_'.length).replace('_', ' / ').padEnd(24)} ${value === null ? 'unknown' : value ? 'yes' : 'no'}`,
          );
        }
        out(`last ${lastEvents.length} events`);
        for (const event of lastEvents) {
          const attributes = Object.entries(event.attributes).map(([key, value]) => `${key}=${value}`);
          out(
            `  ${event.ts}  ${event.type.padEnd(14)} ${event.amount === null ? '' : `${event.amount} ${event.currency ?? ''}  `}${attributes.join(' ')}`,
          );
        }
        out(`relations (${relations.length})`);
        for (const relation of relations) {
          out(
            `  ${relation.direction === 'out' ? '→' : '←'} ${relation.customerId.padEnd(12)} ${relation.kind.padEnd(8)} ${relation.weight}`,
          );
        }
      });
    });

  registerSegmentCommands(program, {
    withApp,
    out,
    fail,
    clock: context.clock,
    cwd: context.cwd,
    actors,
  });

  registerCampaignCommands(program, {
    withApp,
    out,
    fail,
    cwd: context.cwd,
    defaultUser: login,
    actors,
  });
  registerDeliveryCommands(program, {
    withApp,
    out,
    fail,
    env: context.env,
    cwd: context.cwd,
    clock: context.clock,
    actors,
  });
  registerAccountCommands(program, {
    withApp,
    out,
    fail,
    stderr: context.stderr,
    login,
  });
  registerResultsCommands(program, {
    withApp,
    out,
    fail,
    cwd: context.cwd,
  });
  // Reads one file and opens no store, so it runs without a workspace.
  registerMeasureCommand(program, {
    out,
    fail,
    cwd: context.cwd,
  });

  const demo = program.command('demo').description('demo data');
  demo
    .command('generate')
    .description('write a realistic telecom base (customers, events, relations as CSV)')
    .option('--customers <n>', 'number of customers', positiveInteger, 100_000)
    .option('--seed <s>', 'random seed: the same seed gives the same files', integer, 1)
    .requiredOption('--out <dir>', 'output directory')
    .action(async (options: { customers: number; seed: number; out: string }) => {
      const counts = await generateDemo({
        customers: options.customers,
        seed: options.seed,
        outDir: resolve(context.cwd, options.out),
      });
      out(
        `wrote ${counts.customers} customers, ${counts.events} events, ${counts.relations} relations to ${options.out}`,
      );
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UserError) {
      context.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof StoreError) {
      context.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
};
