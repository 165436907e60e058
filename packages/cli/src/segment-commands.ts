import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { App, SegmentError, SegmentTarget } from '@opencvm/app';
import {
  type AttributeCondition,
  type ConditionValue,
  type EventWindow,
  type ExplainNode,
  type FieldValue,
  type Measure,
  type Result,
  type SegmentExplain,
  SegmentRule,
} from '@opencvm/core';
import { type Command, InvalidArgumentError } from 'commander';
import { type Acting, type CliActors, OPTIONAL_AS_HELP } from './audited.ts';

/** What the segment, list and feature commands need from the program around them. */
export interface SegmentCommandDeps {
  readonly withApp: <T>(work: (app: App) => Promise<T>) => Promise<T>;
  readonly out: (text: string) => void;
  /** Stops the command with a message for the user and an exit code (2: bad input, 1: refused). */
  readonly fail: (message: string, exitCode: number) => never;
  readonly clock: () => Date;
  readonly cwd: string;
  readonly actors: CliActors;
}

interface AsOption {
  readonly as?: string;
}

interface RuleOptions {
  readonly rule?: string;
  readonly ruleFile?: string;
}

const positiveInteger = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return Number(value);
};

const columnList = (value: string): string[] => value.split(',').map((column) => column.trim());

// ---------------------------------------------------------------------------------------------
// Text output

/** Aligned columns; `right` holds the indexes of right-aligned (numeric) columns. */
const table = (
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  right: ReadonlySet<number> = new Set(),
): string[] => {
  const widths = headers.map((header, index) =>
    Math.max(header.length, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => {
        const width = widths[index] ?? 0;
        if (right.has(index)) return cell.padStart(width);
        return index === cells.length - 1 ? cell : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
};

const cell = (value: FieldValue | undefined): string =>
  value === null || value === undefined ? '—' : String(value);

const orDash = (value: number | string | null): string => (value === null ? '—' : String(value));

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

const conditionValue = (value: ConditionValue | undefined): string => {
  if (value === undefined) return '?';
  if (typeof value === 'object') return `${value.daysAgo} days ago`;
  return JSON.stringify(value);
};

const describeCondition = (condition: AttributeCondition): string => {
  switch (condition.op) {
    case 'in':
    case 'not in':
      return `${condition.attribute} ${condition.op} (${(condition.values ?? []).map((v) => JSON.stringify(v)).join(', ')})`;
    case 'between':
      return `${condition.attribute} between ${conditionValue(condition.from)} and ${conditionValue(condition.to)}`;
    case 'is null':
    case 'is not null':
      return `${condition.attribute} ${condition.op}`;
    default:
      return `${condition.attribute} ${condition.op} ${conditionValue(condition.value)}`;
  }
};

const describeComparison = (measure: {
  readonly op: string;
  readonly value?: number | undefined;
  readonly values?: readonly number[] | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}): string => {
  if (measure.op === 'between') return `between ${measure.from} and ${measure.to}`;
  if (measure.op === 'in' || measure.op === 'not in') return `${measure.op} (${measure.values?.join(', ')})`;
  if (measure.op === 'is null' || measure.op === 'is not null') return measure.op;
  return `${measure.op} ${measure.value}`;
};

const describeSelection = (selection: {
  readonly eventType: string;
  readonly where?: readonly AttributeCondition[] | undefined;
  readonly window?: EventWindow | undefined;
}): string => {
  const where =
    selection.where === undefined || selection.where.length === 0
      ? ''
      : ` where ${selection.where.map(describeCondition).join(' and ')}`;
  const window = selection.window;
  const within =
    window === undefined
      ? ''
      : window.days !== undefined
        ? ` in the last ${plural(window.days, 'day')}`
        : ` from ${window.from} to ${window.to}`;
  return `${selection.eventType}${where}${within}`;
};

const describeMeasure = (measure: Measure): string => {
  switch (measure.type) {
    case 'attribute':
      return measure.attribute;
    case 'feature':
      return measure.feature;
    case 'event':
      return `${measure.aggregate}(${describeSelection(measure)}${measure.field === undefined ? '' : `, ${measure.field}`})`;
  }
};

/**
 * A rule in words, one line. `deep` spells out and/or/not and nested bases; otherwise they are
 * named only (explain lists their children on lines of their own).
 */
export const describeRule = (rule: SegmentRule, deep = true): string => {
  const nested = (child: SegmentRule) => {
    const text = describeRule(child, deep);
    return child.type === 'and' || child.type === 'or' ? `(${text})` : text;
  };
  switch (rule.type) {
    case 'and':
    case 'or':
      return deep
        ? rule.rules.map(nested).join(` ${rule.type} `)
        : `${rule.type === 'and' ? 'all' : 'any'} of ${rule.rules.length}`;
    case 'not':
      return deep ? `not ${nested(rule.rule)}` : 'not';
    case 'attribute':
      return describeCondition(rule);
    case 'event':
      return `${rule.aggregate}(${describeSelection(rule)}${rule.field === undefined ? '' : `, ${rule.field}`}) ${describeComparison(rule)}`;
    case 'activity':
      return `${rule.done ? 'did' : 'did not do'} ${describeSelection(rule)}`;
    case 'recency':
      return `days since ${rule.since ?? 'last'} ${describeSelection(rule)} ${describeComparison(rule)}`;
    case 'feature':
      return `${rule.feature} ${describeComparison(rule)}`;
    case 'segment':
      return `in segment "${rule.segment}"`;
    case 'list':
      return `in list "${rule.list}"`;
    case 'graph': {
      const over = rule.kinds === undefined ? 'any relation' : rule.kinds.join(', ');
      return `within ${plural(rule.hops, 'hop')} over ${over} of ${deep ? `(${describeRule(rule.base)})` : 'its base'}`;
    }
    case 'top': {
      const of = rule.of === undefined ? '' : ` of ${deep ? `(${describeRule(rule.of)})` : 'its base'}`;
      return `${rule.order === 'asc' ? 'bottom' : 'top'} ${rule.n} by ${describeMeasure(rule.by)}${of}`;
    }
    case 'sample': {
      const of = rule.of === undefined ? '' : ` of ${deep ? `(${describeRule(rule.of)})` : 'its base'}`;
      return `sample of ${rule.count ?? `${rule.percent}%`}${of} (seed ${JSON.stringify(rule.seed)})`;
    }
  }
};

/** The node at an explain path (`(root)`, `rules[1].rule`, …) of an and/or/not tree. */
const nodeAt = (rule: SegmentRule, path: string): SegmentRule | undefined => {
  if (path === '(root)') return rule;
  let node: SegmentRule | undefined = rule;
  for (const step of path.split('.')) {
    const child = /^rules\[(\d+)\]$/.exec(step);
    if (node?.type === 'not' && step === 'rule') node = node.rule;
    else if ((node?.type === 'and' || node?.type === 'or') && child) node = node.rules[Number(child[1])];
    else return undefined;
  }
  return node;
};

const depthOf = (path: string): number => (path === '(root)' ? 0 : path.split('.').length);

const parentOf = (path: string): string => {
  const at = path.lastIndexOf('.');
  return at < 0 ? '(root)' : path.slice(0, at);
};

const signed = (delta: number): string => (delta === 0 ? '±0' : delta > 0 ? `+${delta}` : `−${-delta}`);

/**
 * Explain as an indented tree: each node's own matches, and for children of and/or the matches
 * together with the siblings before them and how much this child changed that.
 */
const explainLines = (explain: SegmentExplain, rule: SegmentRule | undefined): string[] => {
  const lastCumulative = new Map<string, number>();
  const rows = explain.nodes.map((node: ExplainNode) => {
    let cumulative = '';
    if (node.cumulative !== null) {
      const parent = parentOf(node.path);
      const previous = lastCumulative.get(parent);
      cumulative =
        previous === undefined
          ? String(node.cumulative)
          : `${node.cumulative} (${signed(node.cumulative - previous)})`;
      lastCumulative.set(parent, node.cumulative);
    }
    const found = rule === undefined ? undefined : nodeAt(rule, node.path);
    return [
      `${'  '.repeat(depthOf(node.path))}${node.path}`,
      node.type,
      String(node.matched),
      cumulative,
      found === undefined ? '' : describeRule(found, false),
    ];
  });
  return [
    `matches ${explain.matched} of ${plural(explain.customers, 'customer')}`,
    ...table(['path', 'type', 'matched', 'with earlier', 'condition'], rows, new Set([2])),
  ];
};

// ---------------------------------------------------------------------------------------------
// Commands

export const registerSegmentCommands = (program: Command, deps: SegmentCommandDeps): void => {
  const { withApp, out, fail } = deps;
  const json = (value: unknown) => out(JSON.stringify(value, null, 2));

  /** Stops with the use case's refusal: bad input exits 2, one line per issue; the rest exit 1. */
  const refuse = (error: SegmentError): never => {
    switch (error.type) {
      case 'invalid_input':
        return fail(error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\nerror: '), 2);
      case 'not_found':
      case 'conflict':
      case 'invalid_file':
        return fail(error.message, 1);
    }
  };
  const unwrap = <T>(result: Result<T, SegmentError>): T => (result.ok ? result.value : refuse(result.error));

  const parseJson = (text: string, source: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (error) {
      return fail(`${source}: not valid JSON (${error instanceof Error ? error.message : String(error)})`, 2);
    }
  };

  /** The rule given with --rule or --rule-file, or null when neither is. */
  const readRule = async (options: RuleOptions): Promise<{ readonly value: unknown } | null> => {
    if (options.rule !== undefined && options.ruleFile !== undefined)
      return fail('give --rule or --rule-file, not both', 2);
    if (options.rule !== undefined) return { value: parseJson(options.rule, '--rule') };
    if (options.ruleFile === undefined) return null;
    let text: string;
    try {
      text = await readFile(resolve(deps.cwd, options.ruleFile), 'utf8');
    } catch (error) {
      return fail(`${options.ruleFile}: ${error instanceof Error ? error.message : String(error)}`, 2);
    }
    return { value: parseJson(text, options.ruleFile) };
  };

  const readTarget = async (id: string | undefined, options: RuleOptions): Promise<SegmentTarget> => {
    const rule = await readRule(options);
    if (id !== undefined && rule !== null) return fail('give a segment id or a rule, not both', 2);
    if (id !== undefined) return { segment: id };
    if (rule === null) return fail('give a segment id, --rule <json> or --rule-file <file>', 2);
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
    if (rule === null) return fail('give the rule with --rule <json> or --rule-file <file>', 2);
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
        if (current === null) return fail(`no segment "${id}"`, 1);
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
        if (saved === null) return fail(`no segment "${id}"`, 1);
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
          path: resolve(deps.cwd, options.out),
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
        const saved = unwrap(await app.segments.importList(name, resolve(deps.cwd, file)));
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
        const started = deps.clock().getTime();
        const refresh = await app.segments.refreshFeatures();
        const seconds = (deps.clock().getTime() - started) / 1000;
        await acting.record({ action: 'features.refresh', target: null, before: null, after: refresh });
        if (options.json) return json({ ...refresh, seconds });
        out(
          `scored ${plural(refresh.customers, 'customer')} in ${seconds.toFixed(2)} s (${refresh.eventTypes.join(', ') || 'no event types'} in the ${refresh.windowDays} days to ${refresh.asOf})`,
        );
      });
    });
};
