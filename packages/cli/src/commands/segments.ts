import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { App, SegmentTarget } from '@opencvm/app';
import { type FieldValue, SegmentRule } from '@opencvm/core';
import type { Command } from 'commander';
import { type Acting, OPTIONAL_AS_HELP } from '../audited.ts';
import { EXIT, fail, unwrap } from '../errors.ts';
import { parseJson, positiveInteger } from '../options.ts';
import { plural, table } from '../table.ts';
import type { CommandDeps } from './command-deps.ts';
import { describeRule, explainLines } from './segment-text.ts';

interface AsOption {
  readonly as?: string;
}

interface RuleOptions {
  readonly rule?: string;
  readonly ruleFile?: string;
}

const columnList = (value: string): string[] => value.split(',').map((column) => column.trim());

const cell = (value: FieldValue | undefined): string =>
  value === null || value === undefined ? '—' : String(value);

const orDash = (value: number | string | null): string => (value === null ? '—' : String(value));

/** `cvm segment`, `cvm list` and `cvm features`: who is in a segment, and what rules can read. */
export const registerSegmentCommands = (program: Command, deps: CommandDeps): void => {
  const { withApp, out } = deps;
  const clock = deps.context.clock;
  const json = (value: unknown) => out(JSON.stringify(value, null, 2));

  /** The rule given with --rule or --rule-file, or null when neither is. */
  const readRule = async (options: RuleOptions): Promise<{ readonly value: unknown } | null> => {
    if (options.rule !== undefined && options.ruleFile !== undefined)
      return fail('give --rule or --rule-file, not both', EXIT.usage);
    if (options.rule !== undefined) return { value: parseJson(options.rule, '--rule') };
    if (options.ruleFile === undefined) return null;
    let text: string;
    try {
      text = await readFile(resolve(deps.context.cwd, options.ruleFile), 'utf8');
    } catch (error) {
      return fail(
        `${options.ruleFile}: ${error instanceof Error ? error.message : String(error)}`,
        EXIT.usage,
      );
    }
    return { value: parseJson(text, options.ruleFile) };
  };

  const readTarget = async (id: string | undefined, options: RuleOptions): Promise<SegmentTarget> => {
    const rule = await readRule(options);
    if (id !== undefined && rule !== null) return fail('give a segment id or a rule, not both', EXIT.usage);
    if (id !== undefined) return { segment: id };
    if (rule === null) return fail('give a segment id, --rule <json> or --rule-file <file>', EXIT.usage);
    return { rule: rule.value };
  };

  /** The typed rule of a target, for describing explain's nodes; already checked by the use case. */
  const ruleOf = async (app: App, target: SegmentTarget): Promise<SegmentRule | undefined> => {
    if ('segment' in target) return (await app.segments.get(target.segment))?.rule;
    const parsed = SegmentRule.safeParse(target.rule);
    return parsed.success ? parsed.data : undefined;
  };

  /** Whoever writes segments, lists or features: the `--as` user, else the operator. */
  const writer = (app: App, options: AsOption): Promise<Acting> =>
    deps.actors.acting(app, { as: options.as, permission: 'segments.write' });

  const withRule = (command: Command): Command =>
    command
      .option('--rule <json>', 'the rule as JSON')
      .option('--rule-file <file>', 'a file holding the rule as JSON');

  const segment = program
    .command('segment')
    .description('define, count, explain, snapshot and export segments');

  withRule(
    segment
      .command('create')
      .description('save a new segment')
      .argument('<id>', 'segment id: a-z, 0-9, _ and -')
      .requiredOption('--name <name>', 'display name')
      .option('--description <text>', 'what the segment is for')
      .option('--as <user>', OPTIONAL_AS_HELP),
  ).action(async (id: string, options: RuleOptions & AsOption & { name: string; description?: string }) => {
    const rule = await readRule(options);
    if (rule === null) return fail('give the rule with --rule <json> or --rule-file <file>', EXIT.usage);
    await withApp(async (app) => {
      const acting = await writer(app, options);
      const saved = unwrap(
        await app.segments.save(
          {
            id,
            name: options.name,
            ...(options.description === undefined ? {} : { description: options.description }),
            rule: rule.value,
          },
          'create',
        ),
      );
      const target = { type: 'segment', id: saved.id };
      await acting.record({ action: 'segment.create', target, before: null, after: saved });
      out(`created segment ${saved.id} (version ${saved.version})`);
    });
  });

  withRule(
    segment
      .command('update')
      .description('save a new version of a segment; what is not given is kept')
      .argument('<id>', 'segment id')
      .option('--name <name>', 'display name')
      .option('--description <text>', 'what the segment is for')
      .option(
        '--expect-version <n>',
        'the version the change is based on (refused if it moved)',
        positiveInteger,
      )
      .option('--as <user>', OPTIONAL_AS_HELP),
  ).action(
    async (
      id: string,
      options: RuleOptions & AsOption & { name?: string; description?: string; expectVersion?: number },
    ) => {
      const rule = await readRule(options);
      await withApp(async (app) => {
        const acting = await writer(app, options);
        const current = await app.segments.get(id);
        if (current === null) return fail(`no segment "${id}"`, EXIT.refused);
        const description = options.description ?? current.description;
        // What is not given is taken from the version read here, so the save is based on that one.
        const saved = unwrap(
          await app.segments.save(
            {
              id,
              name: options.name ?? current.name,
              ...(description === null ? {} : { description }),
              rule: rule === null ? current.rule : rule.value,
              version: options.expectVersion ?? current.version,
            },
            'update',
          ),
        );
        const target = { type: 'segment', id };
        await acting.record({ action: 'segment.update', target, before: current, after: saved });
        out(`updated segment ${saved.id} (version ${saved.version})`);
      });
    },
  );

  segment
    .command('list')
    .description('saved segments')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(async (app) => {
        const segments = await app.segments.list();
        if (options.json) return json(segments);
        if (segments.length === 0) return out('no segments');
        for (const line of table(
          ['id', 'version', 'updated', 'name'],
          segments.map((s) => [s.id, String(s.version), s.updatedAt, s.name]),
          new Set([1]),
        ))
          out(line);
      });
    });

  segment
    .command('show')
    .description("a segment's definition at its current version")
    .argument('<id>', 'segment id')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      await withApp(async (app) => {
        const saved = await app.segments.get(id);
        if (saved === null) return fail(`no segment "${id}"`, EXIT.refused);
        if (options.json) return json(saved);
        out(`segment ${saved.id} (version ${saved.version})`);
        out(`  name         ${saved.name}`);
        out(`  description  ${saved.description ?? '—'}`);
        out(`  created      ${saved.createdAt}`);
        out(`  updated      ${saved.updatedAt}`);
        out(`  rule         ${describeRule(saved.rule)}`);
        out(JSON.stringify(saved.rule, null, 2));
      });
    });

  segment
    .command('versions')
    .description("a segment's versions, newest first")
    .argument('<id>', 'segment id')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      await withApp(async (app) => {
        const versions = unwrap(await app.segments.versions(id));
        if (options.json) return json(versions);
        const newestFirst = [...versions].sort((a, b) => b.version - a.version);
        for (const line of table(
          ['version', 'saved', 'name', 'rule'],
          newestFirst.map((v) => [String(v.version), v.createdAt, v.name, describeRule(v.rule)]),
          new Set([0]),
        ))
          out(line);
      });
    });

  segment
    .command('delete')
    .description('delete a segment, its versions and snapshots (refused while another segment uses it)')
    .argument('<id>', 'segment id')
    .option('--as <user>', OPTIONAL_AS_HELP)
    .action(async (id: string, options: AsOption) => {
      await withApp(async (app) => {
        const acting = await writer(app, options);
        const before = await app.segments.get(id);
        unwrap(await app.segments.remove(id));
        await acting.record({
          action: 'segment.delete',
          target: { type: 'segment', id },
          before,
          after: null,
        });
        out(`deleted segment ${id}`);
      });
    });

  withRule(
    segment
      .command('count')
      .description('how many customers a saved segment or a rule matches now')
      .argument('[id]', 'segment id (or give --rule / --rule-file)')
      .option('--json', 'print JSON'),
  ).action(async (id: string | undefined, options: RuleOptions & { json?: boolean }) => {
    const target = await readTarget(id, options);
    await withApp(async (app) => {
      const count = unwrap(await app.segments.count(target));
      if (options.json) return json({ count });
      out(String(count));
    });
  });

  withRule(
    segment
      .command('preview')
      .description('the first members, by id, with the columns the rule reads (or --columns)')
      .argument('[id]', 'segment id (or give --rule / --rule-file)')
      .option('--limit <n>', 'how many members', positiveInteger, 20)
      .option('--columns <a,b>', 'customer columns to show', columnList)
      .option('--json', 'print JSON'),
  ).action(
    async (
      id: string | undefined,
      options: RuleOptions & { limit: number; columns?: string[]; json?: boolean },
    ) => {
      const target = await readTarget(id, options);
      await withApp(async (app) => {
        const preview = unwrap(
          await app.segments.preview(target, {
            limit: options.limit,
            ...(options.columns === undefined ? {} : { columns: options.columns }),
          }),
        );
        if (options.json) return json(preview);
        const rows = preview.rows.map((row) => preview.columns.map((column) => cell(row[column])));
        for (const line of table(preview.columns, rows)) out(line);
        out(`(${plural(preview.rows.length, 'member')})`);
      });
    },
  );

  withRule(
    segment
      .command('explain')
      .description('how many customers each condition matches, alone and with the ones before it')
      .argument('[id]', 'segment id (or give --rule / --rule-file)')
      .option('--json', 'print JSON'),
  ).action(async (id: string | undefined, options: RuleOptions & { json?: boolean }) => {
    const target = await readTarget(id, options);
    await withApp(async (app) => {
      const explain = unwrap(await app.segments.explain(target));
      if (options.json) return json(explain);
      for (const line of explainLines(explain, await ruleOf(app, target))) out(line);
    });
  });

  segment
    .command('snapshot')
    .description("record a segment's members now, and who entered and left since the last snapshot")
    .argument('<id>', 'segment id')
    .option('--json', 'print JSON')
    .option('--as <user>', OPTIONAL_AS_HELP)
    .action(async (id: string, options: AsOption & { json?: boolean }) => {
      await withApp(async (app) => {
        const acting = await writer(app, options);
        const snapshot = unwrap(await app.segments.snapshot(id));
        const target = { type: 'segment', id };
        await acting.record({ action: 'segment.snapshot', target, before: null, after: snapshot });
        if (options.json) return json(snapshot);
        const moves =
          snapshot.entered === null
            ? 'first snapshot'
            : `${snapshot.entered} entered, ${snapshot.left ?? 0} left`;
        out(`snapshot ${snapshot.id}: ${plural(snapshot.size, 'member')} (${moves})`);
      });
    });

  segment
    .command('snapshots')
    .description("a segment's size over time, newest first")
    .argument('<id>', 'segment id')
    .option('--limit <n>', 'how many', positiveInteger, 50)
    .option('--json', 'print JSON')
    .action(async (id: string, options: { limit: number; json?: boolean }) => {
      await withApp(async (app) => {
        const snapshots = unwrap(await app.segments.snapshots(id, options.limit));
        if (options.json) return json(snapshots);
        if (snapshots.length === 0)
          return out(`no snapshots of "${id}"; take one with cvm segment snapshot ${id}`);
        for (const line of table(
          ['taken', 'version', 'size', 'entered', 'left', 'snapshot'],
          snapshots.map((s) => [
            s.takenAt,
            String(s.version),
            String(s.size),
            orDash(s.entered),
            orDash(s.left),
            s.id,
          ]),
          new Set([1, 2, 3, 4]),
        ))
          out(line);
      });
    });

  segment
    .command('changes')
    .description('who entered and who left at a snapshot')
    .argument('<snapshot-id>', 'snapshot id (from cvm segment snapshots)')
    .option('--limit <n>', 'at most this many ids of each', positiveInteger, 100)
    .option('--json', 'print JSON')
    .action(async (snapshotId: string, options: { limit: number; json?: boolean }) => {
      await withApp(async (app) => {
        const changes = unwrap(await app.segments.changes(snapshotId, options.limit));
        if (options.json) return json(changes);
        out(`entered (${changes.entered.length})`);
        for (const id of changes.entered) out(`  ${id}`);
        out(`left (${changes.left.length})`);
        for (const id of changes.left) out(`  ${id}`);
      });
    });

  withRule(
    segment
      .command('export')
      .description('write all members to a CSV file')
      .argument('[id]', 'segment id (or give --rule / --rule-file)')
      .requiredOption('--out <file>', 'the CSV file to write')
      .option('--columns <a,b>', 'customer columns to write (default: id)', columnList),
  ).action(async (id: string | undefined, options: RuleOptions & { out: string; columns?: string[] }) => {
    const target = await readTarget(id, options);
    await withApp(async (app) => {
      const exported = unwrap(
        await app.segments.exportCsv(target, {
          path: resolve(deps.context.cwd, options.out),
          ...(options.columns === undefined ? {} : { columns: options.columns }),
        }),
      );
      out(`wrote ${plural(exported.rows, 'member')} to ${options.out}`);
    });
  });

  segment
    .command('presets')
    .description('the ready-made RFM segments (they need cvm features refresh)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(async (app) => {
        const presets = app.segments.presets();
        if (options.json) return json(presets);
        for (const line of table(
          ['key', 'name', 'rule'],
          presets.map((preset) => [preset.key, preset.name, describeRule(preset.rule)]),
        ))
          out(line);
      });
    });

  segment
    .command('preset')
    .description('save an RFM preset as segment rfm-<key>')
    .argument('<key>', 'preset key (see cvm segment presets)')
    .option('--as <user>', OPTIONAL_AS_HELP)
    .action(async (key: string, options: AsOption) => {
      await withApp(async (app) => {
        const acting = await writer(app, options);
        const saved = unwrap(await app.segments.createFromPreset(key));
        const target = { type: 'segment', id: saved.id };
        await acting.record({ action: 'segment.create', target, before: null, after: saved });
        out(`saved segment ${saved.id} "${saved.name}" (version ${saved.version})`);
      });
    });

  const listNamed = async (app: App, name: string) =>
    (await app.segments.lists()).find((saved) => saved.name === name) ?? null;

  const list = program.command('list').description('uploaded lists of customer ids, for rules');
  list
    .command('import')
    .description(
      "upload a list from a CSV file (an id or customer_id column, or one id per line); replaces the list's ids",
    )
    .argument('<name>', 'list name: a-z, 0-9, _ and -')
    .argument('<file>', 'the file')
    .option('--as <user>', OPTIONAL_AS_HELP)
    .action(async (name: string, file: string, options: AsOption) => {
      await withApp(async (app) => {
        const acting = await writer(app, options);
        const before = await listNamed(app, name);
        const saved = unwrap(await app.segments.importList(name, resolve(deps.context.cwd, file)));
        await acting.record({
          action: 'list.save',
          target: { type: 'list', id: name },
          before,
          after: saved,
        });
        out(`list ${saved.name}: ${plural(saved.size, 'id')}, ${saved.matched} of them customers`);
      });
    });

  list
    .command('list')
    .description('uploaded lists')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(async (app) => {
        const lists = await app.segments.lists();
        if (options.json) return json(lists);
        if (lists.length === 0) return out('no lists');
        for (const line of table(
          ['name', 'ids', 'customers', 'updated'],
          lists.map((l) => [l.name, String(l.size), String(l.matched), l.updatedAt]),
          new Set([1, 2]),
        ))
          out(line);
      });
    });

  list
    .command('delete')
    .description('delete a list (refused while a segment uses it)')
    .argument('<name>', 'list name')
    .option('--as <user>', OPTIONAL_AS_HELP)
    .action(async (name: string, options: AsOption) => {
      await withApp(async (app) => {
        const acting = await writer(app, options);
        const before = await listNamed(app, name);
        unwrap(await app.segments.removeList(name));
        await acting.record({
          action: 'list.delete',
          target: { type: 'list', id: name },
          before,
          after: null,
        });
        out(`deleted list ${name}`);
      });
    });

  const features = program.command('features').description('computed customer features (RFM)');
  features
    .command('refresh')
    .description('recompute RFM recency, frequency and monetary scores for every customer')
    .option('--json', 'print JSON')
    .option('--as <user>', OPTIONAL_AS_HELP)
    .action(async (options: AsOption & { json?: boolean }) => {
      await withApp(async (app) => {
        const acting = await writer(app, options);
        const started = clock().getTime();
        const refresh = await app.segments.refreshFeatures();
        const seconds = (clock().getTime() - started) / 1000;
        await acting.record({ action: 'features.refresh', target: null, before: null, after: refresh });
        if (options.json) return json({ ...refresh, seconds });
        out(
          `scored ${plural(refresh.customers, 'customer')} in ${seconds.toFixed(2)} s (${refresh.eventTypes.join(', ') || 'no event types'} in the ${refresh.windowDays} days to ${refresh.asOf})`,
        );
      });
    });
};
