import type { SegmentRule } from '@opencvm/core';
import type { SqlBuildContext } from './sql-build-context.ts';

/**
 * A graph node's CTEs: the customers of its base rule, then each hop's newly reached customers
 * over the relations (kinds and weight filtered), each hop excluding those already reached; with
 * a cap, the nearest and strongest first. Returns the name of the CTE of its members.
 */
export const graphCte = (
  builder: SqlBuildContext,
  rule: Extract<SegmentRule, { type: 'graph' }>,
  options: { readonly path: string; readonly segments: readonly string[] },
): string => {
  const { path, segments } = options;
  const key = JSON.stringify(['graph', rule, segments]);
  return builder.cte(key, (name) => {
    const inner = builder.nextAlias('g');
    // Each of these subqueries filters in a WHERE of its own, whatever surrounds the node.
    const basePredicate = builder.inContext(true, () =>
      builder.predicate(rule.base, inner, `${path}.base`, segments),
    );
    // No kinds: every relation, and no filter for the engine to evaluate on each of them.
    const edgeFilter = [
      ...(rule.kinds === undefined
        ? []
        : [`r.kind IN (${rule.kinds.map((kind) => builder.param(kind, 'text')).join(', ')})`]),
      ...(rule.minWeight === undefined
        ? []
        : [`r.weight >= ${builder.param(String(rule.minWeight), 'number')}`]),
    ];
    const where = edgeFilter.length === 0 ? '' : ` WHERE ${edgeFilter.join(' AND ')}`;
    const direction = rule.direction ?? 'any';
    const baseName = `${name}_base`;
    const parts = [
      `${baseName} AS (SELECT ${inner}.id FROM ${builder.baseRead()} ${inner} WHERE ${basePredicate})`,
    ];
    const hops: string[] = [];
    let frontier = baseName;
    for (let hop = 1; hop <= rule.hops; hop += 1) {
      const hopName = `${name}_h${hop}`;
      const steps: string[] = [];
      if (direction !== 'in') {
        steps.push(
          `SELECT r.dst AS id, r.weight FROM relations r JOIN ${frontier} f ON r.src = f.id${where}`,
        );
      }
      if (direction !== 'out') {
        steps.push(
          `SELECT r.src AS id, r.weight FROM relations r JOIN ${frontier} f ON r.dst = f.id${where}`,
        );
      }
      const seen = [baseName, ...hops].map(
        (earlier) => `NOT EXISTS (SELECT 1 FROM ${earlier} s WHERE s.id = n.id)`,
      );
      parts.push(
        `${hopName} AS (SELECT n.id, max(n.weight) AS weight FROM (${steps.join(' UNION ALL ')}) n WHERE ${seen.join(' AND ')} GROUP BY n.id)`,
      );
      hops.push(hopName);
      frontier = hopName;
    }
    const found = hops
      .map((hopName, index) => `SELECT h.id, ${index + 1} AS hop, h.weight FROM ${hopName} h`)
      .join(' UNION ALL ');
    // Only a cap needs the ranking, and only the ranking needs to know who is a customer: the
    // membership test against `base` keeps customers alone anyway.
    const members =
      rule.cap === undefined
        ? found
        : `SELECT x.id FROM (${found}) x JOIN customers c ON c.id = x.id ORDER BY x.hop, x.weight DESC, ${builder.collate('x.id')} LIMIT ${Math.floor(rule.cap)}`;
    const body = rule.excludeBase
      ? `SELECT id FROM (${members}) m`
      : `SELECT id FROM (${members}) m UNION SELECT id FROM ${baseName}`;
    parts.push(`${name} AS (${body})`);
    return parts.join(',\n');
  });
};
