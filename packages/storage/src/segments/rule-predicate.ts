import { featureRuleField, recencyRange, type SegmentRule } from '@opencvm/core';
import { ident } from '../sql/sql-types.ts';
import { COMPARISON_SQL, type EventMeasure, SegmentCompileError } from './compile-types.ts';
import { graphCte } from './graph-sql.ts';
import type { SqlBuildContext } from './sql-build-context.ts';

/**
 * The predicate of one rule node over the `base` row aliased `alias`, per kind of node, as
 * core's segment-rule.ts defines it; two-valued unless the builder is filtering.
 */
export const rulePredicate = (
  builder: SqlBuildContext,
  rule: SegmentRule,
  node: { readonly alias: string; readonly path: string; readonly segments: readonly string[] },
): string => {
  const { alias, path, segments } = node;
  const at = (suffix: string): string => (path === '' ? suffix : `${path}.${suffix}`);
  switch (rule.type) {
    case 'and':
    case 'or': {
      const parts = rule.rules.map((child, index) =>
        builder.predicate(child, alias, at(`rules[${index}]`), segments),
      );
      return `(${parts.join(rule.type === 'and' ? ' AND ' : ' OR ')})`;
    }
    case 'not':
      return `(NOT ${builder.inContext(false, () => builder.predicate(rule.rule, alias, at('rule'), segments))})`;
    case 'attribute':
      return builder.condition(rule, { alias }, path || '(root)');
    case 'event': {
      const column = (m: EventMeasure): string =>
        `${alias}.${ident(builder.events.measure(rule, m, rule.field, path))}`;
      const kind =
        rule.aggregate === 'count' ? 'integer' : builder.measureKind(rule.eventType, rule.field, path);
      switch (rule.aggregate) {
        case 'count':
          return builder.twoValued(builder.compare(`COALESCE(${column('count')}, 0)`, rule, kind));
        case 'sum':
          return builder.twoValued(builder.compare(`COALESCE(${column('sum')}, 0)`, rule, kind));
        case 'avg': {
          // Exact: sum op value × count, never a rounded quotient.
          const sum = column('sum');
          const count = column('nonnull');
          const scaled = (value: number | undefined): string =>
            `${builder.number(value ?? 0, kind)} * ${count}`;
          const test =
            rule.op === 'between'
              ? `${sum} >= ${scaled(rule.from)} AND ${sum} <= ${scaled(rule.to)}`
              : `${sum} ${COMPARISON_SQL[rule.op]} ${scaled(rule.value)}`;
          return builder.twoValued(`${count} > 0 AND ${test}`);
        }
        default:
          return builder.twoValued(builder.compare(column(rule.aggregate), rule, kind));
      }
    }
    case 'activity': {
      const count = `COALESCE(${alias}.${ident(builder.events.measure(rule, 'count', undefined, path))}, 0)`;
      return rule.done ? `(${count} > 0)` : `(${count} = 0)`;
    }
    case 'recency': {
      const ts = `${alias}.${ident(builder.events.measure(rule, rule.since === 'first' ? 'first' : 'last', undefined, path))}`;
      const range = recencyRange(rule, builder.options.clock);
      if (range.empty) return 'FALSE';
      const bounds = [
        ...(range.after === null ? [] : [`${ts} > ${builder.param(range.after, 'timestamp')}`]),
        ...(range.atOrBefore === null ? [] : [`${ts} <= ${builder.param(range.atOrBefore, 'timestamp')}`]),
      ];
      const inside = bounds.length === 0 ? 'TRUE' : bounds.join(' AND ');
      return builder.twoValued(`${ts} IS NOT NULL AND ${range.negate ? `NOT (${inside})` : `(${inside})`}`);
    }
    case 'feature': {
      builder.features.add(rule.feature);
      const column = `${alias}.${ident(`__f_${rule.feature}`)}`;
      const kind = featureRuleField(rule.feature)?.kind ?? 'integer';
      switch (rule.op) {
        case 'is null':
          return `(${column} IS NULL)`;
        case 'is not null':
          return `(${column} IS NOT NULL)`;
        case 'in':
        case 'not in': {
          const values = (rule.values ?? []).map((value) => builder.number(value, kind));
          return builder.twoValued(`${column} ${rule.op === 'in' ? 'IN' : 'NOT IN'} (${values.join(', ')})`);
        }
        default:
          return builder.twoValued(builder.compare(column, { ...rule, op: rule.op }, kind));
      }
    }
    case 'segment': {
      if (segments.includes(rule.segment)) {
        throw new SegmentCompileError(
          at('segment'),
          `segment "${rule.segment}" refers to itself through ${[...segments, rule.segment].join(' → ')}`,
        );
      }
      const referenced = builder.options.segmentRule(rule.segment);
      if (referenced === undefined)
        throw new SegmentCompileError(at('segment'), `unknown segment "${rule.segment}"`);
      return builder.predicate(referenced, alias, at('segment'), [...segments, rule.segment]);
    }
    case 'list':
      return `(${alias}.id IN (SELECT l.customer_id FROM list_members l WHERE l.list_name = ${builder.param(rule.list, 'text')}))`;
    case 'graph':
      return `(${alias}.id IN (SELECT id FROM ${graphCte(builder, rule, { path, segments })}))`;
    case 'top': {
      const inner = builder.nextAlias('t');
      const measure = builder.measureExpression(rule.by, inner, at('by'));
      const of = rule.of;
      const filter =
        of === undefined
          ? 'TRUE'
          : builder.inContext(true, () => builder.predicate(of, inner, at('of'), segments));
      const direction = rule.order === 'asc' ? 'ASC' : 'DESC';
      return `(${alias}.id IN (SELECT ${inner}.id FROM ${builder.baseRead()} ${inner} WHERE ${filter} AND ${measure} IS NOT NULL ORDER BY ${measure} ${direction}, ${builder.collate(`${inner}.id`)} LIMIT ${Math.floor(rule.n)}))`;
    }
    case 'sample': {
      const inner = builder.nextAlias('s');
      const of = rule.of;
      const filter =
        of === undefined
          ? 'TRUE'
          : builder.inContext(true, () => builder.predicate(of, inner, at('of'), segments));
      if (rule.percent !== undefined) {
        const buckets = builder.param(String(Math.round(rule.percent * 100)), 'integer');
        return `(${builder.hash(rule.seed, `${alias}.id`)} % 10000 < ${buckets} AND ${alias}.id IN (SELECT ${inner}.id FROM ${builder.baseRead()} ${inner} WHERE ${filter}))`;
      }
      return `(${alias}.id IN (SELECT ${inner}.id FROM ${builder.baseRead()} ${inner} WHERE ${filter} ORDER BY ${builder.hash(rule.seed, `${inner}.id`)}, ${builder.collate(`${inner}.id`)} LIMIT ${Math.floor(rule.count ?? 0)}))`;
    }
  }
};
