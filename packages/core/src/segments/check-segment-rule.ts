import { type IssueKind, issueKindOf } from '../api/errors.ts';
import { suggestion } from '../closest-name.ts';
import { parseMoney } from '../money/money.ts';
import { err, ok, type Result } from '../result.ts';
import { isDate, parseTimestamp } from '../time/time-zones.ts';
import { formatPath, type SchemaIssue, type WorkspaceSchema } from '../workspace/workspace-schema.ts';
import { FEATURE_NAMES } from './features.ts';
import {
  customerRuleFields,
  eventRuleFields,
  featureRuleField,
  isAggregable,
  isRankable,
  KIND_LABELS,
  OPERATORS_BY_KIND,
  type RuleField,
} from './rule-fields.ts';
import {
  type AttributeCondition,
  type ConditionValue,
  type EventWindow,
  type Measure,
  SegmentRule,
} from './segment-rule.ts';

/**
 * Checks a rule against a workspace schema: names that exist, operators that fit the type, values
 * of that type. What passes here every evaluator can run, with the same meaning.
 */

export type SegmentRuleError = {
  readonly type: 'invalid_segment_rule';
  readonly issues: readonly SchemaIssue[];
};

export interface SegmentRuleContext {
  readonly schema: WorkspaceSchema;
  /** Saved segment ids; when given, `segment` references must name one. */
  readonly segments?: ReadonlySet<string> | undefined;
  /** List names; when given, `list` references must name one. */
  readonly lists?: ReadonlySet<string> | undefined;
}

/** Rules become one SQL statement, referenced segments inlined: these bound its size. */
export const MAX_RULE_NODES = 500;
export const MAX_RULE_DEPTH = 32;

// ---------------------------------------------------------------------------------------------
// Size

/** The rules directly inside a rule, for any JSON-like value (so it also guards input before zod). */
const childNodes = (node: unknown): unknown[] => {
  if (typeof node !== 'object' || node === null) return [];
  const children: unknown[] = [];
  // A loop, not push(...rules): spreading a huge hostile array would overflow the call stack.
  if ('rules' in node && Array.isArray(node.rules)) for (const rule of node.rules) children.push(rule);
  if ('rule' in node) children.push(node.rule);
  if ('base' in node) children.push(node.base);
  if ('of' in node) children.push(node.of);
  return children;
};

/** Refuses oversized trees without recursion, so a hostile nesting cannot exhaust the stack. */
const sizeIssue = (root: unknown): SchemaIssue | null => {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 1 }];
  let nodes = 0;
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    if (typeof entry.node !== 'object' || entry.node === null) continue;
    nodes += 1;
    if (nodes > MAX_RULE_NODES) {
      return { path: '(root)', message: `is too large: more than ${MAX_RULE_NODES} rules` };
    }
    if (entry.depth > MAX_RULE_DEPTH) {
      return { path: '(root)', message: `is nested too deeply: more than ${MAX_RULE_DEPTH} levels` };
    }
    for (const child of childNodes(entry.node)) stack.push({ node: child, depth: entry.depth + 1 });
  }
  return null;
};

// ---------------------------------------------------------------------------------------------
// Checks

type Path = readonly PropertyKey[];

const at = (path: Path): string => formatPath(path) || '(root)';

interface Checker {
  readonly context: SegmentRuleContext;
  readonly issues: SchemaIssue[];
}

const report = (checker: Checker, path: Path, message: string, kind?: IssueKind): void => {
  checker.issues.push({ path: at(path), message, ...(kind === undefined ? {} : { kind }) });
};

const DAYS_AGO = '{ "daysAgo": N }';

/** Why a value cannot be compared with a field of this kind, or null when it can. */
const valueProblem = (
  field: RuleField,
  name: string,
  value: ConditionValue,
  timezone: string,
): string | null => {
  if (typeof value === 'object') {
    return field.kind === 'date' || field.kind === 'timestamp'
      ? null
      : `${DAYS_AGO} applies only to date and timestamp attributes`;
  }
  switch (field.kind) {
    case 'text':
      return typeof value === 'string' ? null : 'must be text';
    case 'enum': {
      if (typeof value !== 'string') return `must be one of ${field.values.join(', ')}`;
      return field.values.includes(value)
        ? null
        : `unknown value "${value}" for ${name}${suggestion(value, field.values)}`;
    }
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) ? null : 'must be an integer';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'money':
      return amountProblem(value);
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'date':
      return typeof value === 'string' && isDate(value) ? null : `must be a date YYYY-MM-DD or ${DAYS_AGO}`;
    case 'timestamp':
      return typeof value === 'string' && parseTimestamp(value, timezone) !== null
        ? null
        : `must be a timestamp (ISO 8601, e.g. 2026-01-15T10:00:00Z) or ${DAYS_AGO}`;
  }
};

/** Amounts are compared exactly, in units of 10⁻⁴: a constant must fit that scale. */
const amountProblem = (value: string | number | boolean): string | null => {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
  const parsed = parseMoney(String(value));
  return parsed.ok ? null : `must be an amount: ${parsed.error}`;
};

/** A comparable form of an absolute constant, to check that `between` runs from low to high. */
const absolute = (field: RuleField, value: ConditionValue, timezone: string): string | number | null => {
  if (typeof value === 'object' || typeof value === 'boolean') return null;
  if (field.kind === 'timestamp' && typeof value === 'string') {
    const instant = parseTimestamp(value, timezone);
    return instant === null ? null : Date.parse(instant);
  }
  if (field.kind === 'date' && typeof value === 'string') return value;
  return typeof value === 'number' ? value : null;
};

const checkCondition = (
  checker: Checker,
  condition: AttributeCondition,
  fields: ReadonlyMap<string, RuleField>,
  unknownField: (name: string) => string,
  path: Path,
): void => {
  const field = fields.get(condition.attribute);
  if (field === undefined) {
    report(checker, [...path, 'attribute'], unknownField(condition.attribute), 'unknown_name');
    return;
  }
  const allowed = OPERATORS_BY_KIND[field.kind];
  if (!allowed.includes(condition.op)) {
    report(
      checker,
      [...path, 'op'],
      `"${condition.op}" does not apply to ${condition.attribute} (${KIND_LABELS[field.kind]}); use one of ${allowed.join(', ')}`,
    );
    return;
  }
  const timezone = checker.context.schema.workspace.timezone;
  const check = (value: ConditionValue | undefined, where: Path): void => {
    if (value === undefined) return;
    const problem = valueProblem(field, condition.attribute, value, timezone);
    if (problem !== null) report(checker, where, problem);
  };
  check(condition.value, [...path, 'value']);
  condition.values?.forEach((value, index) => {
    check(value, [...path, 'values', index]);
  });
  check(condition.from, [...path, 'from']);
  check(condition.to, [...path, 'to']);
  if (condition.op === 'between' && condition.from !== undefined && condition.to !== undefined) {
    const from = absolute(field, condition.from, timezone);
    const to = absolute(field, condition.to, timezone);
    if (from !== null && to !== null && typeof from === typeof to && to < from) {
      report(checker, [...path, 'to'], 'must not be less than from');
    }
  }
};

const checkWindow = (checker: Checker, window: EventWindow | undefined, path: Path): void => {
  if (window === undefined) return;
  const fromValid = window.from !== undefined && isDate(window.from);
  const toValid = window.to !== undefined && isDate(window.to);
  if (window.from !== undefined && !fromValid)
    report(checker, [...path, 'from'], 'must be a date YYYY-MM-DD');
  if (window.to !== undefined && !toValid) report(checker, [...path, 'to'], 'must be a date YYYY-MM-DD');
  if (
    fromValid &&
    toValid &&
    window.to !== undefined &&
    window.from !== undefined &&
    window.to < window.from
  ) {
    report(checker, [...path, 'to'], 'must not be before from');
  }
};

interface EventSelection {
  readonly eventType: string;
  readonly where?: readonly AttributeCondition[] | undefined;
  readonly window?: EventWindow | undefined;
}

/** Checks the event type, `where` and window; returns the type's fields, or undefined if unknown. */
const checkSelection = (
  checker: Checker,
  selection: EventSelection,
  path: Path,
): ReadonlyMap<string, RuleField> | undefined => {
  const { schema } = checker.context;
  const fields = eventRuleFields(schema, selection.eventType);
  if (fields === undefined) {
    report(
      checker,
      [...path, 'eventType'],
      `unknown event type "${selection.eventType}"${suggestion(selection.eventType, Object.keys(schema.events))}`,
      'unknown_name',
    );
  } else {
    const unknownField = (name: string): string =>
      (name === 'amount' || name === 'currency') && !fields.has('amount')
        ? `event type "${selection.eventType}" carries no amount`
        : `unknown attribute "${name}" of event type "${selection.eventType}"${suggestion(name, fields.keys())}`;
    selection.where?.forEach((condition, index) => {
      checkCondition(checker, condition, fields, unknownField, [...path, 'where', index]);
    });
  }
  checkWindow(checker, selection.window, [...path, 'window']);
  return fields;
};

/** Checks what a sum, avg, min or max is taken of; returns its field when usable. */
const checkAggregateField = (
  checker: Checker,
  measure: { readonly eventType: string; readonly aggregate: string; readonly field?: string | undefined },
  fields: ReadonlyMap<string, RuleField>,
  path: Path,
): RuleField | undefined => {
  if (measure.aggregate === 'count') {
    if (measure.field !== undefined) report(checker, [...path, 'field'], 'is not used by count');
    return undefined;
  }
  if (measure.field === undefined) {
    report(checker, [...path, 'field'], `is required by ${measure.aggregate} (e.g. "amount")`);
    return undefined;
  }
  const field = fields.get(measure.field);
  const numeric = [...fields].filter(([, f]) => isAggregable(f)).map(([name]) => name);
  if (field === undefined) {
    const message =
      measure.field === 'amount'
        ? `event type "${measure.eventType}" carries no amount`
        : `unknown field "${measure.field}" of event type "${measure.eventType}"${suggestion(measure.field, numeric)}`;
    report(checker, [...path, 'field'], message, 'unknown_name');
    return undefined;
  }
  if (!isAggregable(field)) {
    report(
      checker,
      [...path, 'field'],
      `${measure.field} is ${KIND_LABELS[field.kind]}; ${measure.aggregate} needs amount or a number attribute`,
    );
    return undefined;
  }
  return field;
};

interface MeasureComparison {
  readonly op: string;
  readonly value?: number | undefined;
  readonly values?: readonly number[] | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

/** The constants a measure is compared with: amounts at most 4 decimals, `between` low to high. */
const checkComparison = (
  checker: Checker,
  comparison: MeasureComparison,
  field: RuleField | undefined,
  path: Path,
): void => {
  if (field?.kind === 'money') {
    const check = (value: number | undefined, where: Path): void => {
      const problem = value === undefined ? null : amountProblem(value);
      if (problem !== null) report(checker, where, problem);
    };
    check(comparison.value, [...path, 'value']);
    comparison.values?.forEach((value, index) => {
      check(value, [...path, 'values', index]);
    });
    check(comparison.from, [...path, 'from']);
    check(comparison.to, [...path, 'to']);
  }
  if (
    comparison.op === 'between' &&
    comparison.from !== undefined &&
    comparison.to !== undefined &&
    comparison.to < comparison.from
  ) {
    report(checker, [...path, 'to'], 'must not be less than from');
  }
};

const unknownCustomerAttribute =
  (fields: ReadonlyMap<string, RuleField>) =>
  (name: string): string =>
    `unknown attribute "${name}"${suggestion(name, fields.keys())}`;

const checkFeatureName = (checker: Checker, feature: string, path: Path): RuleField | undefined => {
  const field = featureRuleField(feature);
  if (field === undefined) {
    report(
      checker,
      path,
      `unknown feature "${feature}"${suggestion(feature, FEATURE_NAMES)}`,
      'unknown_name',
    );
  }
  return field;
};

const checkMeasure = (checker: Checker, measure: Measure, path: Path): void => {
  switch (measure.type) {
    case 'attribute': {
      const fields = customerRuleFields(checker.context.schema);
      const field = fields.get(measure.attribute);
      if (field === undefined) {
        report(
          checker,
          [...path, 'attribute'],
          unknownCustomerAttribute(fields)(measure.attribute),
          'unknown_name',
        );
      } else if (!isRankable(field)) {
        report(
          checker,
          [...path, 'attribute'],
          `${measure.attribute} is ${KIND_LABELS[field.kind]}; top ranks by a number, date or timestamp attribute`,
        );
      }
      return;
    }
    case 'event': {
      const fields = checkSelection(checker, measure, path);
      if (fields !== undefined) checkAggregateField(checker, measure, fields, path);
      return;
    }
    case 'feature':
      checkFeatureName(checker, measure.feature, [...path, 'feature']);
      return;
  }
};

const checkReference = (
  checker: Checker,
  name: string,
  known: ReadonlySet<string> | undefined,
  what: 'segment' | 'list',
  path: Path,
): void => {
  if (known !== undefined && !known.has(name)) {
    report(checker, path, `unknown ${what} "${name}"${suggestion(name, known)}`, 'unknown_name');
  }
};

const checkRule = (checker: Checker, rule: SegmentRule, path: Path): void => {
  const { schema } = checker.context;
  switch (rule.type) {
    case 'and':
    case 'or':
      rule.rules.forEach((child, index) => {
        checkRule(checker, child, [...path, 'rules', index]);
      });
      return;
    case 'not':
      checkRule(checker, rule.rule, [...path, 'rule']);
      return;
    case 'attribute': {
      const fields = customerRuleFields(schema);
      checkCondition(checker, rule, fields, unknownCustomerAttribute(fields), path);
      return;
    }
    case 'event': {
      const fields = checkSelection(checker, rule, path);
      const field = fields === undefined ? undefined : checkAggregateField(checker, rule, fields, path);
      checkComparison(checker, rule, field, path);
      return;
    }
    case 'activity':
      checkSelection(checker, rule, path);
      return;
    case 'recency':
      checkSelection(checker, rule, path);
      checkComparison(checker, rule, undefined, path);
      return;
    case 'feature': {
      const field = checkFeatureName(checker, rule.feature, [...path, 'feature']);
      checkComparison(checker, rule, field, path);
      return;
    }
    case 'segment':
      checkReference(checker, rule.segment, checker.context.segments, 'segment', [...path, 'segment']);
      return;
    case 'list':
      checkReference(checker, rule.list, checker.context.lists, 'list', [...path, 'list']);
      return;
    case 'graph':
      rule.kinds?.forEach((kind, index) => {
        if (!schema.relations.kinds.includes(kind)) {
          report(
            checker,
            [...path, 'kinds', index],
            `unknown relation kind "${kind}"${suggestion(kind, schema.relations.kinds)}`,
            'unknown_name',
          );
        }
      });
      checkRule(checker, rule.base, [...path, 'base']);
      return;
    case 'top':
      checkMeasure(checker, rule.by, [...path, 'by']);
      if (rule.of !== undefined) checkRule(checker, rule.of, [...path, 'of']);
      return;
    case 'sample':
      if (rule.of !== undefined) checkRule(checker, rule.of, [...path, 'of']);
      return;
  }
};

/** Checks a shape-valid rule against the workspace: every issue, each with the path of its key. */
export const checkSegmentRule = (
  rule: SegmentRule,
  context: SegmentRuleContext,
): Result<SegmentRule, SegmentRuleError> => {
  const tooBig = sizeIssue(rule);
  if (tooBig !== null) return err({ type: 'invalid_segment_rule', issues: [tooBig] });
  const checker: Checker = { context, issues: [] };
  checkRule(checker, rule, []);
  return checker.issues.length > 0 ? err({ type: 'invalid_segment_rule', issues: checker.issues }) : ok(rule);
};

/** Parses a rule from decoded JSON/YAML: its shape first, then against the workspace. */
export const parseSegmentRule = (
  input: unknown,
  context: SegmentRuleContext,
): Result<SegmentRule, SegmentRuleError> => {
  // Before zod, whose recursive parse a deeply nested input could take to the stack limit.
  const tooBig = sizeIssue(input);
  if (tooBig !== null) return err({ type: 'invalid_segment_rule', issues: [tooBig] });
  const parsed = SegmentRule.safeParse(input);
  if (!parsed.success) {
    return err({
      type: 'invalid_segment_rule',
      issues: parsed.error.issues.map((issue) => ({
        path: at(issue.path),
        message: issue.message,
        kind: issueKindOf(issue),
      })),
    });
  }
  return checkSegmentRule(parsed.data, context);
};
