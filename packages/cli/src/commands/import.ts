import { resolve } from 'node:path';
import { FILE_FORMATS, type FileFormat, IMPORT_KINDS, type ImportKind, type ImportRun } from '@opencvm/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { importChange } from '../audited.ts';
import { unwrap } from '../errors.ts';
import { positiveInteger } from '../options.ts';
import { progressBar } from '../progress.ts';
import type { CommandDeps } from './command-deps.ts';

const parseMapping = (value: string, previous: Record<string, string>): Record<string, string> => {
  const match = /^([^=]+)=([^=]+)$/.exec(value);
  if (!match?.[1] || !match[2])
    throw new InvalidArgumentError(`expected <file column>=<field>, got "${value}"`);
  return { ...previous, [match[1]]: match[2] };
};

const summaryLine = (run: ImportRun): string => {
  const rate = run.seconds > 0 ? Math.round(run.read / run.seconds) : run.read;
  return `read ${run.read}, inserted ${run.inserted}, updated ${run.updated}, unchanged ${run.unchanged}, duplicates ${run.duplicates}, rejected ${run.rejected}, ${run.seconds.toFixed(2)} s, ${rate} rows/s`;
};

/** `cvm import`, `cvm imports` and `cvm optimize`: files into the store, and the store after a bulk load. */
export const registerImportCommands = (program: Command, deps: CommandDeps): void => {
  const { withApp, out, actors, context } = deps;

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
          const { run, rejectsPath } = unwrap(result, { file });
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
        const runs = await app.importRuns(options.limit);
        if (options.json) return out(JSON.stringify(runs, null, 2));
        for (const run of runs) {
          out(
            `${run.startedAt}  ${run.status.padEnd(9)} ${run.kind.padEnd(9)} ${run.source}  ${summaryLine(run)}${run.error ? `  (${run.error})` : ''}`,
          );
        }
      });
    });

  program
    .command('optimize')
    .description(
      'store the events by month, type and customer (embedded store), after a bulk load of history',
    )
    .action(async () => {
      await withApp(async (app) => {
        const started = performance.now();
        const { events } = await app.optimize();
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
};
