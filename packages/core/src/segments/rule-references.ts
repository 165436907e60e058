import type { SegmentRule } from './segment-rule.ts';

/** References between segments: which saved segments and lists a rule uses, and the circles saving it would close. */

const subRules = (rule: SegmentRule): readonly SegmentRule[] => {
  switch (rule.type) {
    case 'and':
    case 'or':
      return rule.rules;
    case 'not':
      return [rule.rule];
    case 'graph':
      return [rule.base];
    case 'top':
    case 'sample':
      return rule.of === undefined ? [] : [rule.of];
    default:
      return [];
  }
};

const referenced = (rule: SegmentRule, pick: (rule: SegmentRule) => string | undefined): string[] => {
  const names: string[] = [];
  const visit = (node: SegmentRule): void => {
    const name = pick(node);
    if (name !== undefined && !names.includes(name)) names.push(name);
    for (const child of subRules(node)) visit(child);
  };
  visit(rule);
  return names;
};

/** The saved segments a rule uses directly, each once, in order of first use. */
export const referencedSegments = (rule: SegmentRule): string[] =>
  referenced(rule, (node) => (node.type === 'segment' ? node.segment : undefined));

/** The lists a rule uses, each once, in order of first use. */
export const referencedLists = (rule: SegmentRule): string[] =>
  referenced(rule, (node) => (node.type === 'list' ? node.list : undefined));

/**
 * The circle of references that saving `rule` under `id` would close (e.g. `['a', 'b', 'a']`),
 * or null. `ruleOf` gives the saved rules; `id`'s own is taken to be `rule`. A circle found among
 * saved segments that `rule` reaches is returned too: membership could not be computed either way.
 */
export const findSegmentCycle = (
  id: string,
  rule: SegmentRule,
  ruleOf: (id: string) => SegmentRule | undefined,
): readonly string[] | null => {
  const finished = new Set<string>();
  const path: string[] = [];
  const visit = (segment: string): string[] | null => {
    const start = path.indexOf(segment);
    if (start >= 0) return [...path.slice(start), segment];
    if (finished.has(segment)) return null;
    const segmentRule = segment === id ? rule : ruleOf(segment);
    path.push(segment);
    for (const next of segmentRule === undefined ? [] : referencedSegments(segmentRule)) {
      const cycle = visit(next);
      if (cycle !== null) return cycle;
    }
    path.pop();
    finished.add(segment);
    return null;
  };
  return visit(id);
};
