import type {
  AttributeCondition,
  ConditionValue,
  EventWindow,
  ExplainNode,
  Measure,
  SegmentExplain,
  SegmentRule,
} from '@opencvm/core';
import { plural, table } from '../table.ts';

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
export const explainLines = (explain: SegmentExplain, rule: SegmentRule | undefined): string[] => {
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
