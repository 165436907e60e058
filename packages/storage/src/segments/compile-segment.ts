import type { AttributeCondition, SegmentRule } from '@opencvm/core';
import type { CompiledNode, CompiledSegment, CompileOptions } from './compile-types.ts';
import { SegmentSqlBuilder } from './segment-sql-builder.ts';

/**
 * Compiles a segment rule to SQL for DuckDB or PostgreSQL, following the meaning written down in
 * core's segment-rule.ts. Names come only from the workspace schema (quoted); every value, bound
 * and seed is a parameter, so a rule cannot inject SQL. All time arithmetic is done in core
 * (rule-time.ts) and arrives as parameters, so both engines and the reference evaluator compare
 * against the very same instants.
 *
 * Shape: one `ev` CTE aggregates, in a single scan of the events, every event measure the rule
 * needs (one column per measure, `FILTER`ed by its selection); `base` joins it and the features
 * to the customers; each rule node becomes a two-valued predicate over a `base` row.
 *
 * The builder (segment-sql-builder.ts) holds the parameters, attribute conditions and the WITH
 * clause; event-aggregates.ts the `ev` measures; rule-predicate.ts each kind of node, graph-sql.ts
 * the graph's hops; segment-scope.ts what limits the event scan.
 */

export {
  type CompiledNode,
  type CompiledSegment,
  type CompileOptions,
  type FieldKind,
  SegmentCompileError,
} from './compile-types.ts';
export { hashSql } from './hash-sql.ts';

const collectNodes = (
  builder: SegmentSqlBuilder,
  rule: SegmentRule,
  path: string,
  out: { readonly nodes: CompiledNode[]; readonly leaves: string[] },
): string => {
  const index = out.nodes.length;
  out.nodes.push({ path: path || '(root)', type: rule.type, flag: '' });
  const childPath = (suffix: string) => (path === '' ? suffix : `${path}.${suffix}`);
  let flag: string;
  if (rule.type === 'and' || rule.type === 'or') {
    const joiner = rule.type === 'and' ? ' AND ' : ' OR ';
    const seen: string[] = [];
    rule.rules.forEach((child, childIndex) => {
      const at = out.nodes.length;
      seen.push(collectNodes(builder, child, childPath(`rules[${childIndex}]`), out));
      const entry = out.nodes[at];
      if (entry !== undefined) out.nodes[at] = { ...entry, cumulative: `(${seen.join(joiner)})` };
    });
    flag = `(${seen.join(joiner)})`;
  } else if (rule.type === 'not') {
    flag = `(NOT ${collectNodes(builder, rule.rule, childPath('rule'), out)})`;
  } else {
    flag = `f${out.leaves.length}`;
    out.leaves.push(builder.predicate(rule, 'b', path));
  }
  const entry = out.nodes[index];
  if (entry !== undefined) out.nodes[index] = { ...entry, flag };
  return flag;
};

/** Compiles a rule; with `explain`, also a predicate per node of its and/or/not tree. */
export const compileSegment = (
  rule: SegmentRule,
  options: CompileOptions & { readonly explain?: boolean },
): CompiledSegment => {
  const builder = new SegmentSqlBuilder(options);
  const explained: { readonly nodes: CompiledNode[]; readonly leaves: string[] } = { nodes: [], leaves: [] };
  if (options.explain) collectNodes(builder, rule, '', explained);
  // Outside explain the root predicate is the WHERE of every query that uses it.
  const predicate = options.explain
    ? 'TRUE'
    : builder.inContext(true, () => builder.predicate(rule, 'b', ''));
  // Explain counts every condition over the whole base, so only plain queries are scoped.
  if (!options.explain) builder.scopeOf(rule);
  return {
    with: builder.withClause(),
    predicate,
    params: builder.params,
    nodes: explained.nodes,
    leaves: explained.leaves,
    attributes: [...builder.attributes],
  };
};

/**
 * The `where` conditions of an event type over events aliased `alias`, as one two-valued predicate
 * (TRUE when there are none) whose parameters are numbered after `paramsBefore` others: a
 * campaign goal selects events exactly as a segment rule's `where` does.
 */
export const compileEventConditions = (
  options: CompileOptions & {
    readonly eventType: string;
    readonly where: readonly AttributeCondition[];
    readonly alias: string;
    readonly paramsBefore: number;
    readonly path: string;
  },
): { readonly sql: string; readonly params: readonly string[] } => {
  const builder = new SegmentSqlBuilder(options);
  for (let index = 0; index < options.paramsBefore; index += 1) builder.params.push('');
  const parts = options.where.map((condition, index) =>
    builder.condition(
      condition,
      { alias: options.alias, eventType: options.eventType },
      `${options.path}[${index}]`,
    ),
  );
  return {
    sql: parts.length === 0 ? 'TRUE' : parts.join(' AND '),
    params: builder.params.slice(options.paramsBefore),
  };
};
