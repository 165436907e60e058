import { createReadStream } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import {
  type ApiErrorReason,
  CUSTOMER_FIELDS,
  type CustomerList,
  checkSegmentRule,
  err,
  type FeatureRefresh,
  findSegmentCycle,
  formatPath,
  type IssueKind,
  importColumns,
  issueKindOf,
  type NormalizedRow,
  ok,
  parseSegmentRule,
  type Result,
  RFM_PRESETS,
  referencedLists,
  referencedSegments,
  rfmConfig,
  type SavedSegment,
  type SchemaIssue,
  SegmentDefinition,
  type SegmentExplain,
  type SegmentQuery,
  type SegmentRule,
  type SegmentSnapshot,
  type SegmentVersion,
  SNAPSHOT_MEMBERS_KEPT,
  type Store,
  type WorkspaceSchema,
} from '@opencvm/core';
import { parse } from 'csv-parse';

/** Why a segment operation was refused; nothing was changed. */
export type SegmentError =
  | { readonly type: 'invalid_input'; readonly issues: readonly SchemaIssue[] }
  | { readonly type: 'not_found'; readonly message: string }
  /** The state does not allow it: a version moved, the id exists, another segment uses it. */
  | { readonly type: 'conflict'; readonly reason: ApiErrorReason; readonly message: string }
  | { readonly type: 'invalid_file'; readonly message: string };

/** A write based on a version that is no longer the stored one; nothing was written. */
const staleSegment = (
  id: string,
  expected: number | string | null,
  actual: number | string | null,
): SegmentError => {
  if (actual === null)
    return {
      type: 'conflict',
      reason: 'deleted_meanwhile',
      message: `segment "${id}" was deleted meanwhile`,
    };
  if (expected === null)
    return { type: 'conflict', reason: 'already_exists', message: `segment "${id}" already exists` };
  return {
    type: 'conflict',
    reason: 'stale_version',
    message: `segment "${id}" changed meanwhile (version ${actual}, not ${expected}); reload it and try again`,
  };
};

/** A rule to evaluate: a saved segment's, or one given inline (as the user types it). */
export type SegmentTarget = { readonly segment: string } | { readonly rule: unknown };

export interface SegmentDeps {
  readonly store: Store;
  readonly schema: WorkspaceSchema;
  readonly clock: () => Date;
}

export const MAX_PREVIEW_ROWS = 1000;
const LIST_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The export file could not be opened: the user's to fix, unlike a failure while writing. */
class CannotWrite extends Error {}

const invalid = (path: string, message: string, kind?: IssueKind): SegmentError => ({
  type: 'invalid_input',
  issues: [{ path, message, ...(kind === undefined ? {} : { kind }) }],
});

/** The `version` a change is based on: absent, or the whole number the caller read. */
const expectedVersionOf = (input: unknown): Result<number | undefined, SegmentError> => {
  if (typeof input !== 'object' || input === null || !('version' in input) || input.version === undefined)
    return ok(undefined);
  const { version } = input;
  return typeof version === 'number' && Number.isSafeInteger(version) && version >= 1
    ? ok(version)
    : err(invalid('version', 'must be the version you read: a whole number from 1', 'invalid_type'));
};

/** The customer columns a rule reads, in order of first use: what a preview shows. */
export const ruleAttributes = (rule: SegmentRule, found: string[] = []): string[] => {
  const add = (name: string) => {
    if (!found.includes(name)) found.push(name);
  };
  switch (rule.type) {
    case 'and':
    case 'or':
      for (const child of rule.rules) ruleAttributes(child, found);
      break;
    case 'not':
      ruleAttributes(rule.rule, found);
      break;
    case 'attribute':
      add(rule.attribute);
      break;
    case 'graph':
      ruleAttributes(rule.base, found);
      break;
    case 'top':
      if (rule.of) ruleAttributes(rule.of, found);
      if (rule.by.type === 'attribute') add(rule.by.attribute);
      break;
    case 'sample':
      if (rule.of) ruleAttributes(rule.of, found);
      break;
    default:
      break;
  }
  return found;
};

const csvCell = (value: NormalizedRow[string] | undefined): string => {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** One CSV line (RFC 4180 quoting, `\n` ended) of a row's values in the order of `columns`. */
export const csvLine = (columns: readonly string[], row: NormalizedRow): string =>
  `${columns.map((column) => csvCell(row[column])).join(',')}\n`;

/** The CSV header line for `columns`. */
export const csvHeader = (columns: readonly string[]): string => `${columns.join(',')}\n`;

export const MAX_CHANGE_IDS = 10_000;

/** A record read by csv-parse with `info: true`: its cells and the line it ends on (blank lines count). */
const csvRecord = (entry: unknown): { readonly cells: readonly unknown[]; readonly line: number } => {
  if (typeof entry !== 'object' || entry === null) return { cells: [], line: 0 };
  const cells: unknown[] = 'record' in entry && Array.isArray(entry.record) ? entry.record : [];
  const info = 'info' in entry ? entry.info : null;
  const line =
    typeof info === 'object' && info !== null && 'lines' in info && typeof info.lines === 'number'
      ? info.lines
      : 0;
  return { cells, line };
};

/** Segment use cases: definitions, live evaluation, snapshots, exports, lists and features. */
export const segmentService = (deps: SegmentDeps) => {
  const { store, schema } = deps;
  const segments = store.segments;
  const customerColumns = new Set([
    ...importColumns(schema, 'customers').map((spec) => spec.name),
    'created_at',
    'updated_at',
  ]);

  const savedRules = async (): Promise<Map<string, SavedSegment>> =>
    new Map((await segments.listSegments()).map((segment) => [segment.id, segment]));

  const queryOf = (rule: SegmentRule, saved: ReadonlyMap<string, SavedSegment>): SegmentQuery => ({
    rule,
    clock: { now: deps.clock(), timezone: schema.workspace.timezone },
    segmentRule: (id) => saved.get(id)?.rule,
  });

  const listNames = async (): Promise<Set<string>> =>
    new Set((await segments.listLists()).map((list) => list.name));

  /** Checks a rule against the schema, the saved segments and the uploaded lists. */
  const checkRule = async (
    input: unknown,
    saved: ReadonlyMap<string, SavedSegment>,
    pathPrefix = '',
  ): Promise<Result<SegmentRule, SegmentError>> => {
    const parsed = parseSegmentRule(input, {
      schema,
      segments: new Set(saved.keys()),
      lists: await listNames(),
    });
    if (!parsed.ok) {
      return err({
        type: 'invalid_input',
        issues: parsed.error.issues.map((issue) => ({
          path:
            pathPrefix === ''
              ? issue.path
              : issue.path === '(root)'
                ? pathPrefix
                : `${pathPrefix}.${issue.path}`,
          message: issue.message,
          ...(issue.kind === undefined ? {} : { kind: issue.kind }),
        })),
      });
    }
    return ok(parsed.value);
  };

  const resolve = async (
    target: SegmentTarget,
  ): Promise<
    Result<
      { rule: SegmentRule; saved: Map<string, SavedSegment>; segment: SavedSegment | null },
      SegmentError
    >
  > => {
    const saved = await savedRules();
    let rule: SegmentRule;
    let segment: SavedSegment | null = null;
    if ('segment' in target) {
      const found = saved.get(target.segment);
      if (found === undefined) return err({ type: 'not_found', message: `no segment "${target.segment}"` });
      segment = found;
      rule = found.rule;
    } else {
      const checked = await checkRule(target.rule, saved, 'rule');
      if (!checked.ok) return checked;
      rule = checked.value;
    }
    const stale = await staleSegments(rule, segment?.id ?? null, saved);
    return stale === null ? ok({ rule, saved, segment }) : err(stale);
  };

  /**
   * Saved rules were checked against the schema they were saved under; a later schema may have
   * dropped an attribute or a value they use. Such a segment (or one it refers to) is reported
   * with its path and reason instead of failing inside the store.
   */
  const staleSegments = async (
    rule: SegmentRule,
    id: string | null,
    saved: ReadonlyMap<string, SavedSegment>,
  ): Promise<SegmentError | null> => {
    const lists = await listNames();
    const pending: { id: string | null; rule: SegmentRule }[] = [{ id, rule }];
    const seen = new Set<string>();
    const issues: SchemaIssue[] = [];
    while (pending.length > 0) {
      const next = pending.pop();
      if (next === undefined) break;
      if (next.id !== null) {
        if (seen.has(next.id)) continue;
        seen.add(next.id);
        const checked = checkSegmentRule(next.rule, { schema, segments: new Set(saved.keys()), lists });
        if (!checked.ok) {
          issues.push(
            ...checked.error.issues.map((issue) => ({
              ...issue,
              path: `segments.${next.id}.rule${issue.path === '(root)' ? '' : `.${issue.path}`}`,
            })),
          );
        }
      }
      for (const other of referencedSegments(next.rule)) {
        const found = saved.get(other);
        if (found !== undefined) pending.push({ id: other, rule: found.rule });
      }
    }
    return issues.length === 0 ? null : { type: 'invalid_input', issues };
  };

  const checkColumns = (columns: readonly string[]): SegmentError | null => {
    if (columns.length === 0) return invalid('columns', 'must name at least one column');
    const repeated = columns.find((column, index) => columns.indexOf(column) !== index);
    if (repeated !== undefined) return invalid('columns', `names "${repeated}" twice`);
    const unknown = columns.filter((column) => !customerColumns.has(column));
    if (unknown.length === 0) return null;
    return invalid(
      'columns',
      `unknown customer column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')}; known: ${[...customerColumns].join(', ')}`,
    );
  };

  /** Creates (`create`), changes (`update`) or writes either way (`save`) a segment definition. */
  const save = async (
    input: unknown,
    mode: 'create' | 'update' | 'save',
  ): Promise<Result<SavedSegment, SegmentError>> => {
    const shape = SegmentDefinition.omit({ rule: true }).loose().safeParse(input);
    if (!shape.success) {
      return err({
        type: 'invalid_input',
        issues: shape.error.issues.map((issue) => ({
          path: formatPath(issue.path) || '(root)',
          message: issue.message,
          kind: issueKindOf(issue),
        })),
      });
    }
    const { id, name, description } = shape.data;
    const version = expectedVersionOf(input);
    if (!version.ok) return version;
    if (mode === 'create' && version.value !== undefined)
      return err(invalid('version', 'is given only when changing a segment', 'unrecognized_keys'));
    const saved = await savedRules();
    if (mode === 'create' && saved.has(id))
      return err({ type: 'conflict', reason: 'already_exists', message: `segment "${id}" already exists` });
    const current = saved.get(id);
    if (mode === 'update' && current === undefined)
      return err({ type: 'not_found', message: `no segment "${id}"` });
    // Checked before the rule so that a stale edit is told so first; the store checks it again.
    if (version.value !== undefined && version.value !== current?.version)
      return err(staleSegment(id, version.value, current?.version ?? null));
    const body = typeof input === 'object' && input !== null && 'rule' in input ? input.rule : undefined;
    if (body === undefined) return err(invalid('rule', 'is required'));
    const known = new Map(saved);
    known.delete(id);
    const rule = await checkRule(body, saved, 'rule');
    if (!rule.ok) return rule;
    const cycle = findSegmentCycle(id, rule.value, (other) => known.get(other)?.rule);
    if (cycle !== null)
      return err(
        invalid('rule', `segments may not refer to themselves: ${cycle.join(' → ')}`, 'segment_cycle'),
      );
    const extra = Object.keys(shape.data).filter(
      (key) => !['id', 'name', 'description', 'version'].includes(key) && key !== 'rule',
    );
    if (extra.length > 0)
      return err(invalid(extra[0] ?? '(root)', 'is not a segment field', 'unrecognized_keys'));
    // Without a version from the caller, the one read above: a write in between still conflicts.
    const expectedVersion = version.value ?? current?.version ?? null;
    const written = await segments.saveSegment(
      { id, name, ...(description === undefined ? {} : { description }), rule: rule.value },
      deps.clock(),
      { expectedVersion },
    );
    return written.ok ? written : err(staleSegment(id, written.error.expected, written.error.actual));
  };

  /**
   * Streams a target's members with the chosen columns (default `id`), in id order: `onStart` hears
   * the columns once the target and columns are checked, then `onRows` gets each batch.
   */
  const exportRows = async (
    target: SegmentTarget,
    options: {
      readonly columns?: readonly string[] | undefined;
      readonly onStart?: (columns: readonly string[]) => Promise<void>;
      readonly onRows: (rows: readonly NormalizedRow[], columns: readonly string[]) => Promise<void>;
    },
  ): Promise<Result<number, SegmentError>> => {
    const resolved = await resolve(target);
    if (!resolved.ok) return resolved;
    const columns = options.columns ?? ['id'];
    const columnError = checkColumns(columns);
    if (columnError) return err(columnError);
    await options.onStart?.(columns);
    return ok(
      await segments.exportMembers(queryOf(resolved.value.rule, resolved.value.saved), {
        columns,
        onRows: (rows) => options.onRows(rows, columns),
      }),
    );
  };

  const checkListName = (name: string): SegmentError | null =>
    LIST_NAME.test(name)
      ? null
      : invalid('name', 'must start with a lower-case letter or digit and hold only a-z, 0-9, _ and -');

  return {
    save,
    get: (id: string) => segments.getSegment(id),
    list: () => segments.listSegments(),

    async versions(id: string): Promise<Result<readonly SegmentVersion[], SegmentError>> {
      const found = await segments.getSegment(id);
      if (found === null) return err({ type: 'not_found', message: `no segment "${id}"` });
      return ok(await segments.segmentVersions(id));
    },

    /** Deletes a segment no other segment refers to. */
    async remove(id: string): Promise<Result<true, SegmentError>> {
      const saved = await savedRules();
      if (!saved.has(id)) return err({ type: 'not_found', message: `no segment "${id}"` });
      const users = [...saved.values()].filter(
        (other) => other.id !== id && referencedSegments(other.rule).includes(id),
      );
      if (users.length > 0) {
        return err({
          type: 'conflict',
          reason: 'in_use',
          message: `segment "${id}" is used by ${users.map((u) => `"${u.id}"`).join(', ')}`,
        });
      }
      await segments.deleteSegment(id);
      return ok(true);
    },

    async count(target: SegmentTarget): Promise<Result<number, SegmentError>> {
      const resolved = await resolve(target);
      if (!resolved.ok) return resolved;
      return ok(await segments.count(queryOf(resolved.value.rule, resolved.value.saved)));
    },

    async preview(
      target: SegmentTarget,
      options: { readonly limit?: number; readonly columns?: readonly string[] } = {},
    ): Promise<
      Result<{ readonly columns: readonly string[]; readonly rows: readonly NormalizedRow[] }, SegmentError>
    > {
      const limit = options.limit ?? 20;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PREVIEW_ROWS) {
        return err(invalid('limit', `must be an integer from 1 to ${MAX_PREVIEW_ROWS}`));
      }
      const resolved = await resolve(target);
      if (!resolved.ok) return resolved;
      const columns = options.columns ?? [
        'id',
        ...ruleAttributes(resolved.value.rule).filter((c) => c !== 'id'),
      ];
      const columnError = checkColumns(columns);
      if (columnError) return err(columnError);
      const rows = await segments.preview(queryOf(resolved.value.rule, resolved.value.saved), {
        limit,
        columns,
      });
      return ok({ columns, rows });
    },

    async explain(target: SegmentTarget): Promise<Result<SegmentExplain, SegmentError>> {
      const resolved = await resolve(target);
      if (!resolved.ok) return resolved;
      return ok(await segments.explain(queryOf(resolved.value.rule, resolved.value.saved)));
    },

    async snapshot(id: string): Promise<Result<SegmentSnapshot, SegmentError>> {
      const resolved = await resolve({ segment: id });
      if (!resolved.ok) return resolved;
      const segment = resolved.value.segment;
      if (segment === null) return err({ type: 'not_found', message: `no segment "${id}"` });
      const query = queryOf(segment.rule, resolved.value.saved);
      return ok(
        await segments.snapshot({ segmentId: id, version: segment.version, query, takenAt: query.clock.now }),
      );
    },

    async snapshots(id: string, limit = 50): Promise<Result<readonly SegmentSnapshot[], SegmentError>> {
      if ((await segments.getSegment(id)) === null)
        return err({ type: 'not_found', message: `no segment "${id}"` });
      return ok(await segments.listSnapshots(id, limit));
    },

    async changes(
      snapshotId: string,
      limit = 100,
    ): Promise<
      Result<{ readonly entered: readonly string[]; readonly left: readonly string[] }, SegmentError>
    > {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CHANGE_IDS) {
        return err(invalid('limit', `must be an integer from 1 to ${MAX_CHANGE_IDS}`));
      }
      const changes = await segments.snapshotChanges(snapshotId, { limit });
      switch (changes.type) {
        case 'unknown_snapshot':
          return err({ type: 'not_found', message: `no snapshot "${snapshotId}"` });
        case 'members_pruned':
          return err({
            type: 'not_found',
            message: `snapshot "${snapshotId}" is older than the latest ${SNAPSHOT_MEMBERS_KEPT}, whose member lists alone are kept; its entered/left counts remain in the size history`,
          });
        case 'changes':
          return ok({ entered: changes.entered, left: changes.left });
      }
    },

    exportRows,

    /** Writes members to a CSV file with the chosen columns; written to a temporary name, then renamed. */
    async exportCsv(
      target: SegmentTarget,
      options: { readonly path: string; readonly columns?: readonly string[] },
    ): Promise<Result<{ readonly rows: number; readonly path: string }, SegmentError>> {
      const partial = `${options.path}.partial`;
      // Set from a callback, which the compiler's narrowing does not follow.
      const output: { file: FileHandle | null } = { file: null };
      try {
        const exported = await exportRows(target, {
          columns: options.columns,
          onStart: async (columns) => {
            try {
              output.file = await open(partial, 'w');
            } catch (error) {
              throw new CannotWrite(error instanceof Error ? error.message : String(error));
            }
            await output.file.write(csvHeader(columns));
          },
          onRows: async (batch, columns) => {
            await output.file?.write(batch.map((row) => csvLine(columns, row)).join(''));
          },
        });
        if (!exported.ok) return exported;
        await output.file?.close();
        output.file = null;
        await rename(partial, options.path);
        return ok({ rows: exported.value, path: options.path });
      } catch (error) {
        await output.file?.close().catch(() => {});
        await rm(partial, { force: true });
        if (error instanceof CannotWrite)
          return err({ type: 'invalid_file', message: `${options.path}: ${error.message}` });
        throw error;
      }
    },

    /**
     * Uploads a list of customer ids from a file: a CSV whose header names an `id` or
     * `customer_id` column, or a single column of ids without a header.
     * Replaces the list's previous ids; an empty id is refused with its line, an empty file too.
     */
    async importList(name: string, path: string): Promise<Result<CustomerList, SegmentError>> {
      const nameError = checkListName(name);
      if (nameError) return err(nameError);
      const ids: string[] = [];
      let column: number | null = null;
      try {
        const parser = createReadStream(path).pipe(
          parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }),
        );
        for await (const entry of parser) {
          const { cells, line } = csvRecord(entry);
          if (column === null) {
            const header = cells.map((cell) => String(cell).trim().toLowerCase());
            const at = header.findIndex((cell) => cell === 'customer_id' || cell === 'id');
            column = at >= 0 ? at : header.length === 1 ? 0 : -1;
            if (column < 0) {
              return err({
                type: 'invalid_file',
                message: `${path}: line ${line}: no "id" or "customer_id" column in ${header.join(', ')}`,
              });
            }
            if (at < 0) ids.push(String(cells[0] ?? ''));
            continue;
          }
          const id = String(cells[column] ?? '');
          if (id === '')
            return err({ type: 'invalid_file', message: `${path}: line ${line}: the customer id is empty` });
          ids.push(id);
        }
      } catch (error) {
        return err({
          type: 'invalid_file',
          message: `${path}: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
      if (ids.length === 0) return err({ type: 'invalid_file', message: `${path}: holds no customer ids` });
      return ok(await segments.saveList(name, ids, deps.clock()));
    },

    /** Replaces a list's ids with the given ones (decoded JSON): at least one, none empty. */
    async saveListIds(name: string, ids: unknown): Promise<Result<CustomerList, SegmentError>> {
      const nameError = checkListName(name);
      if (nameError) return err(nameError);
      if (!Array.isArray(ids)) return err(invalid('ids', 'must be an array of customer ids'));
      if (ids.length === 0) return err(invalid('ids', 'must hold at least one customer id'));
      const checked: string[] = [];
      for (const [index, id] of ids.entries()) {
        if (typeof id !== 'string') return err(invalid(`ids[${index}]`, 'must be a string'));
        if (id === '') return err(invalid(`ids[${index}]`, 'must not be empty'));
        checked.push(id);
      }
      return ok(await segments.saveList(name, checked, deps.clock()));
    },

    lists: () => segments.listLists(),

    async removeList(name: string): Promise<Result<true, SegmentError>> {
      const users = (await segments.listSegments()).filter((segment) =>
        referencedLists(segment.rule).includes(name),
      );
      if (users.length > 0) {
        return err({
          type: 'conflict',
          reason: 'in_use',
          message: `list "${name}" is used by ${users.map((u) => `"${u.id}"`).join(', ')}`,
        });
      }
      return (await segments.deleteList(name))
        ? ok(true)
        : err({ type: 'not_found', message: `no list "${name}"` });
    },

    /** Recomputes RFM for every customer as of now. */
    refreshFeatures: (): Promise<FeatureRefresh> =>
      segments.refreshFeatures(rfmConfig(schema), { now: deps.clock(), timezone: schema.workspace.timezone }),

    lastFeatureRefresh: () => segments.lastFeatureRefresh(),

    presets: () => Object.entries(RFM_PRESETS).map(([key, preset]) => ({ key, ...preset })),

    /** Saves an RFM preset as segment `rfm-<key>`. */
    async createFromPreset(key: string): Promise<Result<SavedSegment, SegmentError>> {
      const preset = Object.hasOwn(RFM_PRESETS, key) ? RFM_PRESETS[key] : undefined;
      if (preset === undefined) {
        return err(
          invalid('preset', `unknown preset "${key}"; known: ${Object.keys(RFM_PRESETS).join(', ')}`),
        );
      }
      return save(
        { id: `rfm-${key.replaceAll('_', '-')}`, name: `RFM: ${preset.name}`, rule: preset.rule },
        'save',
      );
    },
  };
};

export type SegmentService = ReturnType<typeof segmentService>;

/** Column names a user may export; for help texts. */
export const exportableColumns = (schema: WorkspaceSchema): readonly string[] => [
  ...new Set([...CUSTOMER_FIELDS, ...Object.keys(schema.customer.attributes)]),
];
