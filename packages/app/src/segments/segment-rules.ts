import {
  checkSegmentRule,
  err,
  importColumns,
  ok,
  parseSegmentRule,
  type Result,
  referencedSegments,
  type SavedSegment,
  type SchemaIssue,
  type SegmentQuery,
  type SegmentRule,
  type Store,
  type WorkspaceSchema,
} from '@opencvm/core';
import { invalid, type SegmentError } from './segment-error.ts';

/** A rule to evaluate: a saved segment's, or one given inline (as the user types it). */
export type SegmentTarget = { readonly segment: string } | { readonly rule: unknown };

export interface SegmentDeps {
  readonly store: Store;
  readonly schema: WorkspaceSchema;
  readonly clock: () => Date;
}

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

/** What every segment use case needs: the saved rules, checked rules and targets, and queries over them. */
export const segmentRules = (deps: SegmentDeps) => {
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

  return { savedRules, queryOf, checkRule, resolve, checkColumns };
};
export type SegmentRules = ReturnType<typeof segmentRules>;
