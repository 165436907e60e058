import {
  Badge,
  Button,
  Checkbox,
  Fieldset,
  Group,
  MultiSelect,
  NumberInput,
  Paper,
  Select,
  Stack,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import {
  AGGREGATES,
  type Aggregate,
  type AttributeCondition,
  type AttributeOperator,
  type ConditionValue,
  type EventWindow,
  FEATURE_NAMES,
  MEASURE_OPERATORS,
  type Measure,
  type MeasureOperator,
  OPERATORS_BY_KIND,
  RELATION_DIRECTIONS,
  type RuleField,
  type ScalarValue,
  SEGMENT_RULE_TYPES,
  type SegmentRule,
  type SegmentRuleType,
} from '@opencvm/core';
import { createContext, type ReactNode, useContext, useMemo } from 'react';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { segmentsMessages } from '../../i18n/segments-messages.ts';
import {
  childPath,
  customerFields,
  eventFields,
  eventTypes,
  fieldIssue,
  isNumeric,
  issuesAt,
  newAttributeCondition,
  newRule,
  ROOT,
  type RuleContext,
  withOperator,
} from './rule-model.ts';
import type { Explain, SchemaIssue } from './segment-api.ts';

type Messages = (typeof segmentsMessages)['en'];
type FieldIssues = readonly { readonly field: string; readonly message: string }[];

interface Builder {
  readonly context: RuleContext;
  readonly explain: ReadonlyMap<string, Explain['nodes'][number]>;
  readonly issues: readonly SchemaIssue[];
  readonly readOnly: boolean;
}

const BuilderContext = createContext<Builder | null>(null);

const useBuilder = (): Builder => {
  const builder = useContext(BuilderContext);
  if (builder === null) throw new Error('useBuilder outside RuleBuilder');
  return builder;
};

/** A number typed into an input; empty or unreadable input leaves the value out (the API names it). */
const numberOf = (input: number | string): number | undefined => {
  if (typeof input === 'number') return input;
  if (input.trim() === '') return undefined;
  const parsed = Number(input.replace(',', '.'));
  return Number.isFinite(parsed) ? parsed : undefined;
};

const FEATURE_OPERATORS = [...MEASURE_OPERATORS, 'in', 'not in', 'is null', 'is not null'] as const;
type FeatureOperator = (typeof FEATURE_OPERATORS)[number];

const isMeasureOperator = (op: string): op is MeasureOperator =>
  MEASURE_OPERATORS.some((known) => known === op);
const isFeatureOperator = (op: string): op is FeatureOperator =>
  FEATURE_OPERATORS.some((known) => known === op);
const isAttributeOperator = (op: string, known: readonly AttributeOperator[]): op is AttributeOperator =>
  known.some((candidate) => candidate === op);
const isRuleType = (type: string): type is SegmentRuleType =>
  SEGMENT_RULE_TYPES.some((known) => known === type);
const isAggregate = (value: string): value is Aggregate => AGGREGATES.some((known) => known === value);

/** The visual editor of a segment rule: every construct of the rule language, nested as the rule is. */
export const RuleBuilder = (props: {
  readonly rule: SegmentRule;
  readonly onChange: (rule: SegmentRule) => void;
  readonly context: RuleContext;
  readonly explain: Explain | null;
  readonly issues: readonly SchemaIssue[];
  readonly readOnly: boolean;
}) => {
  const { context, explain, issues, readOnly } = props;
  const builder = useMemo<Builder>(
    () => ({
      context,
      explain: new Map((explain?.nodes ?? []).map((node) => [node.path, node])),
      issues,
      readOnly,
    }),
    [context, explain, issues, readOnly],
  );
  return (
    <BuilderContext.Provider value={builder}>
      <Fieldset
        variant="unstyled"
        disabled={readOnly}
        // Read-only rules must stay readable: disabled inputs keep the normal text colour.
        style={readOnly ? { '--mantine-color-disabled-color': 'var(--mantine-color-text)' } : undefined}
      >
        <RuleNode rule={props.rule} onChange={props.onChange} path={ROOT} depth={0} />
      </Fieldset>
    </BuilderContext.Provider>
  );
};

const DEPTH_COLORS = ['blue', 'grape', 'teal', 'orange', 'cyan', 'pink'] as const;

const RuleNode = (props: {
  readonly rule: SegmentRule;
  readonly onChange: (rule: SegmentRule) => void;
  readonly path: string;
  readonly depth: number;
  readonly onRemove?: (() => void) | undefined;
  readonly removeLabel?: string | undefined;
  /** and: the cumulative count is who is left; or: who is in so far. */
  readonly parentType?: 'and' | 'or' | undefined;
}) => {
  const { rule, onChange, path, depth } = props;
  const t = useMessages(segmentsMessages);
  const format = useFormat();
  const builder = useBuilder();
  const counted = builder.explain.get(path);
  const issues = issuesAt(builder.issues, path);
  const ruleIssues = issues.filter((issue) => issue.field === '' || issue.field === 'type');
  const color = DEPTH_COLORS[depth % DEPTH_COLORS.length] ?? 'blue';
  const typeOptions = SEGMENT_RULE_TYPES.map((type) => ({ value: type, label: t.types[type] }));

  return (
    <Paper
      withBorder
      p="sm"
      radius="md"
      style={{ borderLeft: `4px solid var(--mantine-color-${color}-5)` }}
      data-rule-path={path}
    >
      <Stack gap="xs">
        <Group justify="space-between" align="flex-end" wrap="wrap" gap="xs">
          <Select
            label={t.conditionType}
            data={typeOptions}
            value={rule.type}
            allowDeselect={false}
            w={260}
            size="xs"
            onChange={(value) => {
              if (value !== null && isRuleType(value) && value !== rule.type)
                onChange(newRule(value, builder.context, rule));
            }}
          />
          <Group gap="xs">
            {counted !== undefined && (
              <Badge variant="light" color={color} size="lg" tt="none" data-testid="condition-count">
                {t.matched(format.integer(counted.matched))}
              </Badge>
            )}
            {counted !== undefined && counted.cumulative !== null && (
              <Badge variant="outline" color="gray" size="lg" tt="none">
                {props.parentType === 'or'
                  ? t.together(format.integer(counted.cumulative))
                  : t.cumulative(format.integer(counted.cumulative))}
              </Badge>
            )}
            {!builder.readOnly && rule.type !== 'not' && (
              <Button variant="subtle" size="compact-sm" onClick={() => onChange({ type: 'not', rule })}>
                {t.wrapNot}
              </Button>
            )}
            {!builder.readOnly && props.onRemove !== undefined && (
              <Button
                variant="subtle"
                color="red"
                size="compact-sm"
                onClick={props.onRemove}
                aria-label={props.removeLabel}
              >
                {t.remove}
              </Button>
            )}
          </Group>
        </Group>
        {ruleIssues.map((issue) => (
          <Text key={issue.message} c="red" size="sm" role="alert">
            {issue.message}
          </Text>
        ))}
        <RuleBody rule={rule} onChange={onChange} path={path} depth={depth} issues={issues} t={t} />
      </Stack>
    </Paper>
  );
};

const RuleBody = (props: {
  readonly rule: SegmentRule;
  readonly onChange: (rule: SegmentRule) => void;
  readonly path: string;
  readonly depth: number;
  readonly issues: FieldIssues;
  readonly t: Messages;
}): ReactNode => {
  const { rule, onChange, path, depth, issues, t } = props;
  const builder = useBuilder();
  const { schema } = builder.context;
  const issue = (field: string) => fieldIssue(issues, field);

  switch (rule.type) {
    case 'and':
    case 'or':
      return (
        <Stack gap="xs" pl="md">
          {rule.rules.map((child, index) => (
            <RuleNode
              // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity beyond their place.
              key={index}
              rule={child}
              path={childPath(path, `rules[${index}]`)}
              depth={depth + 1}
              onChange={(next) =>
                onChange({ ...rule, rules: rule.rules.map((r, i) => (i === index ? next : r)) })
              }
              onRemove={
                rule.rules.length > 1
                  ? () => onChange({ ...rule, rules: rule.rules.filter((_, i) => i !== index) })
                  : undefined
              }
              removeLabel={t.removeCondition(index + 1)}
              parentType={rule.type}
            />
          ))}
          {issue('rules') !== null && (
            <Text c="red" size="sm" role="alert">
              {issue('rules')}
            </Text>
          )}
          {!builder.readOnly && (
            <Group gap="xs">
              <Button
                variant="light"
                size="xs"
                onClick={() =>
                  onChange({ ...rule, rules: [...rule.rules, newRule('attribute', builder.context)] })
                }
              >
                {t.addCondition}
              </Button>
              <Button
                variant="default"
                size="xs"
                onClick={() =>
                  onChange({
                    ...rule,
                    rules: [...rule.rules, newRule(rule.type === 'and' ? 'or' : 'and', builder.context)],
                  })
                }
              >
                {t.addGroup}
              </Button>
            </Group>
          )}
        </Stack>
      );
    case 'not':
      return (
        <Stack pl="md">
          <RuleNode
            rule={rule.rule}
            path={childPath(path, 'rule')}
            depth={depth + 1}
            onChange={(next) => onChange({ ...rule, rule: next })}
            onRemove={() => onChange(rule.rule)}
            removeLabel={t.remove}
          />
        </Stack>
      );
    case 'attribute': {
      const { type: _type, ...condition } = rule;
      return (
        <ConditionEditor
          condition={condition}
          fields={customerFields(schema)}
          issue={issue}
          onChange={(next) => onChange({ type: 'attribute', ...next })}
        />
      );
    }
    case 'event': {
      const fields = eventFields(schema, rule.eventType).filter(([, field]) => isNumeric(field));
      return (
        <Stack gap="xs">
          <Group align="flex-start" gap="xs" wrap="wrap">
            <EventTypeSelect
              value={rule.eventType}
              error={issue('eventType')}
              onChange={(eventType) => onChange({ ...rule, eventType, where: undefined })}
            />
            <Select
              label={t.aggregate}
              data={AGGREGATES.map((aggregate) => ({ value: aggregate, label: t.aggregates[aggregate] }))}
              value={rule.aggregate}
              allowDeselect={false}
              w={150}
              error={issue('aggregate')}
              onChange={(value) => {
                if (value === null || !isAggregate(value)) return;
                const { field: _field, ...rest } = rule;
                onChange(
                  value === 'count'
                    ? { ...rest, aggregate: value }
                    : { ...rest, aggregate: value, field: rule.field ?? fields[0]?.[0] ?? 'amount' },
                );
              }}
            />
            {rule.aggregate !== 'count' && (
              <Select
                label={t.field}
                data={fields.map(([name]) => name)}
                value={rule.field ?? null}
                w={160}
                error={issue('field')}
                onChange={(value) => onChange({ ...rule, field: value ?? undefined })}
              />
            )}
            <MeasureInputs
              measure={rule}
              operators={MEASURE_OPERATORS}
              issue={issue}
              onChange={(next) => onChange({ ...rule, ...next })}
            />
          </Group>
          <EventScope rule={rule} issue={issue} onChange={(next) => onChange({ ...rule, ...next })} />
        </Stack>
      );
    }
    case 'activity':
      return (
        <Stack gap="xs">
          <Group align="flex-start" gap="xs" wrap="wrap">
            <Select
              label={t.done}
              data={[
                { value: 'yes', label: t.doneOptions.yes },
                { value: 'no', label: t.doneOptions.no },
              ]}
              value={rule.done ? 'yes' : 'no'}
              allowDeselect={false}
              w={170}
              error={issue('done')}
              onChange={(value) => onChange({ ...rule, done: value === 'yes' })}
            />
            <EventTypeSelect
              value={rule.eventType}
              error={issue('eventType')}
              onChange={(eventType) => onChange({ ...rule, eventType, where: undefined })}
            />
          </Group>
          <EventScope rule={rule} issue={issue} onChange={(next) => onChange({ ...rule, ...next })} />
        </Stack>
      );
    case 'recency':
      return (
        <Stack gap="xs">
          <Group align="flex-start" gap="xs" wrap="wrap">
            <Select
              label={t.since}
              data={[
                { value: 'last', label: t.sinceOptions.last },
                { value: 'first', label: t.sinceOptions.first },
              ]}
              value={rule.since ?? 'last'}
              allowDeselect={false}
              w={190}
              error={issue('since')}
              onChange={(value) => onChange({ ...rule, since: value === 'first' ? 'first' : 'last' })}
            />
            <EventTypeSelect
              value={rule.eventType}
              error={issue('eventType')}
              onChange={(eventType) => onChange({ ...rule, eventType, where: undefined })}
            />
            <MeasureInputs
              measure={rule}
              operators={MEASURE_OPERATORS}
              issue={issue}
              unit={t.days}
              onChange={(next) => onChange({ ...rule, ...next })}
            />
          </Group>
          <EventScope rule={rule} issue={issue} onChange={(next) => onChange({ ...rule, ...next })} />
        </Stack>
      );
    case 'feature':
      return (
        <Stack gap={4}>
          <Group align="flex-start" gap="xs" wrap="wrap">
            <Select
              label={t.feature}
              data={FEATURE_NAMES.map((name) => name)}
              value={rule.feature}
              allowDeselect={false}
              searchable
              w={200}
              error={issue('feature')}
              onChange={(value) => value !== null && onChange({ ...rule, feature: value })}
            />
            <FeatureInputs rule={rule} issue={issue} onChange={onChange} />
          </Group>
          <Text size="xs" c="dimmed">
            {t.featureHint}
          </Text>
        </Stack>
      );
    case 'segment': {
      const others = builder.context.segments.filter((segment) => segment.id !== builder.context.selfId);
      return (
        <Select
          label={t.segment}
          data={others.map((segment) => ({ value: segment.id, label: `${segment.name} (${segment.id})` }))}
          value={rule.segment === '' ? null : rule.segment}
          searchable
          maw={420}
          error={issue('segment')}
          onChange={(value) => onChange({ ...rule, segment: value ?? '' })}
        />
      );
    }
    case 'list':
      return (
        <Stack gap={4}>
          <Select
            label={t.list}
            data={builder.context.lists.map((name) => name)}
            value={rule.list === '' ? null : rule.list}
            searchable
            maw={420}
            error={issue('list')}
            onChange={(value) => onChange({ ...rule, list: value ?? '' })}
          />
          {builder.context.lists.length === 0 && (
            <Text size="xs" c="dimmed">
              {t.noLists}
            </Text>
          )}
        </Stack>
      );
    case 'graph':
      return (
        <Stack gap="xs">
          <Group align="flex-start" gap="xs" wrap="wrap">
            <MultiSelect
              label={t.kinds}
              placeholder={rule.kinds === undefined ? t.kindsHint : undefined}
              data={schema.relations.kinds.map((kind) => kind)}
              value={[...(rule.kinds ?? [])]}
              w={240}
              error={issue('kinds')}
              onChange={(kinds) => onChange({ ...rule, kinds: kinds.length === 0 ? undefined : kinds })}
            />
            <Select
              label={t.hops}
              data={['1', '2', '3']}
              value={String(rule.hops)}
              allowDeselect={false}
              w={90}
              error={issue('hops')}
              onChange={(value) => onChange({ ...rule, hops: Number(value ?? 1) })}
            />
            <Select
              label={t.direction}
              data={RELATION_DIRECTIONS.map((direction) => ({
                value: direction,
                label: t.directions[direction],
              }))}
              value={rule.direction ?? 'any'}
              allowDeselect={false}
              w={160}
              error={issue('direction')}
              onChange={(value) =>
                onChange({
                  ...rule,
                  direction: RELATION_DIRECTIONS.find((direction) => direction === value) ?? 'any',
                })
              }
            />
            <NumberInput
              label={t.minWeight}
              value={rule.minWeight ?? ''}
              w={170}
              error={issue('minWeight')}
              onChange={(value) => onChange({ ...rule, minWeight: numberOf(value) })}
            />
            <NumberInput
              label={t.cap}
              value={rule.cap ?? ''}
              min={1}
              allowDecimal={false}
              w={210}
              error={issue('cap')}
              onChange={(value) => onChange({ ...rule, cap: numberOf(value) })}
            />
          </Group>
          <Checkbox
            label={t.excludeBase}
            checked={rule.excludeBase ?? false}
            onChange={(event) => onChange({ ...rule, excludeBase: event.currentTarget.checked || undefined })}
          />
          <Text size="sm" fw={500}>
            {t.base}
          </Text>
          <Stack pl="md">
            <RuleNode
              rule={rule.base}
              path={childPath(path, 'base')}
              depth={depth + 1}
              onChange={(base) => onChange({ ...rule, base })}
            />
          </Stack>
        </Stack>
      );
    case 'top':
      return (
        <Stack gap="xs">
          <Group align="flex-start" gap="xs" wrap="wrap">
            <NumberInput
              label={t.n}
              value={rule.n}
              min={1}
              allowDecimal={false}
              w={130}
              error={issue('n')}
              onChange={(value) => onChange({ ...rule, n: numberOf(value) ?? 0 })}
            />
            <Select
              label={t.order}
              data={[
                { value: 'desc', label: t.orders.desc },
                { value: 'asc', label: t.orders.asc },
              ]}
              value={rule.order ?? 'desc'}
              allowDeselect={false}
              w={190}
              error={issue('order')}
              onChange={(value) => onChange({ ...rule, order: value === 'asc' ? 'asc' : 'desc' })}
            />
          </Group>
          <MeasureEditor
            measure={rule.by}
            issue={(field) => issue(`by.${field}`) ?? issue('by')}
            onChange={(by) => onChange({ ...rule, by })}
          />
          <OptionalChild
            label={t.restrict}
            child={rule.of}
            path={childPath(path, 'of')}
            depth={depth}
            onChange={(of) => onChange({ ...rule, of })}
          />
        </Stack>
      );
    case 'sample': {
      const byPercent = rule.count === undefined;
      return (
        <Stack gap="xs">
          <Group align="flex-start" gap="xs" wrap="wrap">
            <Select
              label={t.sampleBy}
              data={[
                { value: 'percent', label: t.sampleModes.percent },
                { value: 'count', label: t.sampleModes.count },
              ]}
              value={byPercent ? 'percent' : 'count'}
              allowDeselect={false}
              w={160}
              onChange={(value) => {
                const { count: _count, percent: _percent, ...rest } = rule;
                onChange(value === 'count' ? { ...rest, count: 100 } : { ...rest, percent: 10 });
              }}
            />
            {byPercent ? (
              <NumberInput
                label={t.percent}
                value={rule.percent ?? ''}
                min={0.01}
                max={100}
                decimalScale={2}
                w={120}
                error={issue('percent')}
                onChange={(value) => onChange({ ...rule, percent: numberOf(value) })}
              />
            ) : (
              <NumberInput
                label={t.count}
                value={rule.count ?? ''}
                min={1}
                allowDecimal={false}
                w={140}
                error={issue('count')}
                onChange={(value) => onChange({ ...rule, count: numberOf(value) })}
              />
            )}
            <TextInput
              label={t.seed}
              description={t.seedHint}
              value={rule.seed}
              w={240}
              error={issue('seed')}
              onChange={(event) => onChange({ ...rule, seed: event.currentTarget.value })}
            />
          </Group>
          {issue('count') !== null && byPercent && (
            <Text c="red" size="sm" role="alert">
              {issue('count')}
            </Text>
          )}
          <OptionalChild
            label={t.among}
            child={rule.of}
            path={childPath(path, 'of')}
            depth={depth}
            onChange={(of) => onChange({ ...rule, of })}
          />
        </Stack>
      );
    }
  }
};

/** `of` of top-N and samples: everyone when absent, else the customers a nested rule selects. */
const OptionalChild = (props: {
  readonly label: string;
  readonly child: SegmentRule | undefined;
  readonly path: string;
  readonly depth: number;
  readonly onChange: (child: SegmentRule | undefined) => void;
}) => {
  const builder = useBuilder();
  return (
    <Stack gap="xs">
      <Checkbox
        label={props.label}
        checked={props.child !== undefined}
        onChange={(event) =>
          props.onChange(event.currentTarget.checked ? newRule('attribute', builder.context) : undefined)
        }
      />
      {props.child !== undefined && (
        <Stack pl="md">
          <RuleNode rule={props.child} path={props.path} depth={props.depth + 1} onChange={props.onChange} />
        </Stack>
      )}
    </Stack>
  );
};

const EventTypeSelect = (props: {
  readonly value: string;
  readonly error: string | null;
  readonly onChange: (eventType: string) => void;
}) => {
  const t = useMessages(segmentsMessages);
  const { schema } = useBuilder().context;
  return (
    <Select
      label={t.eventType}
      data={eventTypes(schema).map((type) => {
        const description = schema.events[type]?.description;
        return { value: type, label: description === undefined ? type : `${type} — ${description}` };
      })}
      value={props.value === '' ? null : props.value}
      allowDeselect={false}
      searchable
      w={280}
      error={props.error}
      onChange={(value) => value !== null && props.onChange(value)}
    />
  );
};

/** The window and the `where` filters of an event condition. */
const EventScope = (props: {
  readonly rule: {
    readonly eventType: string;
    readonly where?: readonly AttributeCondition[] | undefined;
    readonly window?: EventWindow | undefined;
  };
  readonly issue: (field: string) => string | null;
  readonly onChange: (next: {
    where?: readonly AttributeCondition[] | undefined;
    window?: EventWindow | undefined;
  }) => void;
}) => {
  const { rule, issue, onChange } = props;
  const t = useMessages(segmentsMessages);
  const builder = useBuilder();
  const fields = eventFields(builder.context.schema, rule.eventType);
  const where = rule.where ?? [];
  return (
    <Stack gap="xs">
      <WindowEditor window={rule.window} issue={issue} onChange={(window) => onChange({ window })} />
      {where.length > 0 && (
        <Text size="sm" fw={500}>
          {t.where}
        </Text>
      )}
      {where.map((condition, index) => (
        <Group
          // biome-ignore lint/suspicious/noArrayIndexKey: filters have no identity beyond their place.
          key={index}
          align="flex-end"
          gap="xs"
          pl="md"
          wrap="nowrap"
        >
          <ConditionEditor
            condition={condition}
            fields={fields}
            issue={(field) =>
              issue(`where[${index}].${field}`) ?? (field === 'attribute' ? issue(`where[${index}]`) : null)
            }
            onChange={(next) => onChange({ where: where.map((c, i) => (i === index ? next : c)) })}
          />
          {!builder.readOnly && (
            <Button
              variant="subtle"
              color="red"
              size="compact-sm"
              mb={4}
              aria-label={t.removeCondition(index + 1)}
              onClick={() => {
                const rest = where.filter((_, i) => i !== index);
                onChange({ where: rest.length === 0 ? undefined : rest });
              }}
            >
              {t.remove}
            </Button>
          )}
        </Group>
      ))}
      {!builder.readOnly && fields.length > 0 && (
        <Group>
          <Button
            variant="subtle"
            size="compact-sm"
            onClick={() => {
              const [name, field] = fields[0] ?? ['amount', undefined];
              onChange({ where: [...where, newAttributeCondition(name, field)] });
            }}
          >
            {t.addWhere}
          </Button>
        </Group>
      )}
    </Stack>
  );
};

const WindowEditor = (props: {
  readonly window: EventWindow | undefined;
  readonly issue: (field: string) => string | null;
  readonly onChange: (window: EventWindow | undefined) => void;
}) => {
  const { window, issue, onChange } = props;
  const t = useMessages(segmentsMessages);
  const mode = window === undefined ? 'all' : window.days !== undefined ? 'days' : 'range';
  return (
    <Group align="flex-start" gap="xs" wrap="wrap">
      <Select
        label={t.window}
        data={(['all', 'days', 'range'] as const).map((value) => ({ value, label: t.windowModes[value] }))}
        value={mode}
        allowDeselect={false}
        w={180}
        error={mode === 'range' ? null : issue('window')}
        onChange={(value) =>
          onChange(value === 'days' ? { days: 30 } : value === 'range' ? { from: '', to: '' } : undefined)
        }
      />
      {mode === 'days' && (
        <NumberInput
          label={t.windowDays}
          value={window?.days ?? ''}
          min={1}
          allowDecimal={false}
          w={130}
          error={issue('window.days')}
          onChange={(value) => onChange({ days: numberOf(value) })}
        />
      )}
      {mode === 'range' && (
        <>
          <TextInput
            type="date"
            label={t.windowFrom}
            value={window?.from ?? ''}
            w={170}
            error={issue('window.from') ?? issue('window')}
            onChange={(event) => onChange({ ...window, from: event.currentTarget.value })}
          />
          <TextInput
            type="date"
            label={t.windowTo}
            value={window?.to ?? ''}
            w={170}
            error={issue('window.to')}
            onChange={(event) => onChange({ ...window, to: event.currentTarget.value })}
          />
        </>
      )}
    </Group>
  );
};

/** A condition on an attribute (of the customer, or inside `where`, of the event). */
const ConditionEditor = (props: {
  readonly condition: AttributeCondition;
  readonly fields: readonly [string, RuleField][];
  readonly issue: (field: string) => string | null;
  readonly onChange: (condition: AttributeCondition) => void;
}) => {
  const { condition, fields, issue, onChange } = props;
  const t = useMessages(segmentsMessages);
  const field = fields.find(([name]) => name === condition.attribute)?.[1];
  const operators = field === undefined ? OPERATORS_BY_KIND.text : OPERATORS_BY_KIND[field.kind];
  const names = fields.map(([name]) => name);
  return (
    <Group align="flex-start" gap="xs" wrap="wrap">
      <Select
        label={t.attribute}
        data={
          names.includes(condition.attribute) || condition.attribute === ''
            ? names
            : [...names, condition.attribute]
        }
        value={condition.attribute === '' ? null : condition.attribute}
        allowDeselect={false}
        searchable
        w={220}
        error={issue('attribute')}
        onChange={(name) => {
          if (name === null) return;
          const next = fields.find(([candidate]) => candidate === name)?.[1];
          onChange(newAttributeCondition(name, next));
        }}
      />
      <Select
        label={t.operator}
        data={operators.map((op) => ({ value: op, label: t.ops[op] }))}
        value={condition.op}
        allowDeselect={false}
        w={150}
        error={issue('op')}
        onChange={(op) => {
          if (op !== null && isAttributeOperator(op, operators)) onChange(withOperator(condition, op, field));
        }}
      />
      {(condition.op === 'in' || condition.op === 'not in') && (
        <ListInput
          field={field}
          values={condition.values ?? []}
          error={issue('values')}
          onChange={(values) => onChange({ ...condition, values })}
        />
      )}
      {condition.op === 'between' && (
        <>
          <ValueInput
            label={t.from}
            field={field}
            value={condition.from}
            error={issue('from')}
            onChange={(from) => onChange({ ...condition, from })}
          />
          <ValueInput
            label={t.to}
            field={field}
            value={condition.to}
            error={issue('to')}
            onChange={(to) => onChange({ ...condition, to })}
          />
        </>
      )}
      {!['in', 'not in', 'between', 'is null', 'is not null'].includes(condition.op) && (
        <ValueInput
          label={t.value}
          field={field}
          value={condition.value}
          error={issue('value')}
          onChange={(value) => onChange({ ...condition, value })}
        />
      )}
    </Group>
  );
};

/** One value, typed by the field: numbers, dates (absolute or N days ago), enum values, yes/no, text. */
const ValueInput = (props: {
  readonly label: string;
  readonly field: RuleField | undefined;
  readonly value: ConditionValue | undefined;
  readonly error: string | null;
  readonly onChange: (value: ConditionValue | undefined) => void;
}) => {
  const { label, field, value, error, onChange } = props;
  const t = useMessages(segmentsMessages);
  switch (field?.kind) {
    case 'enum':
      return (
        <Select
          label={label}
          data={field.values.map((option) => option)}
          value={typeof value === 'string' && value !== '' ? value : null}
          searchable
          w={200}
          error={error}
          onChange={(next) => onChange(next ?? undefined)}
        />
      );
    case 'boolean':
      return (
        <Select
          label={label}
          data={[
            { value: 'true', label: t.trueValue },
            { value: 'false', label: t.falseValue },
          ]}
          value={value === true ? 'true' : value === false ? 'false' : null}
          w={110}
          error={error}
          onChange={(next) => onChange(next === null ? undefined : next === 'true')}
        />
      );
    case 'integer':
    case 'number':
    case 'money':
      return (
        <NumberInput
          label={label}
          value={typeof value === 'number' ? value : ''}
          allowDecimal={field.kind !== 'integer'}
          decimalScale={field.kind === 'money' ? 4 : 12}
          w={150}
          error={error}
          onChange={(next) => onChange(numberOf(next))}
        />
      );
    case 'date':
    case 'timestamp': {
      const relative = typeof value === 'object';
      return (
        <Group gap={4} align="flex-start" wrap="nowrap">
          <Select
            label={label === t.value ? t.dateMode : `${label}: ${t.dateMode}`}
            data={[
              { value: 'relative', label: t.dateModes.relative },
              { value: 'absolute', label: t.dateModes.absolute },
            ]}
            value={relative ? 'relative' : 'absolute'}
            allowDeselect={false}
            w={150}
            onChange={(mode) => onChange(mode === 'relative' ? { daysAgo: 30 } : '')}
          />
          {relative ? (
            <NumberInput
              label={label === t.value ? t.daysAgo : `${label}: ${t.daysAgo}`}
              value={value.daysAgo}
              min={0}
              allowDecimal={false}
              w={130}
              error={error}
              onChange={(next) => onChange({ daysAgo: numberOf(next) ?? 0 })}
            />
          ) : (
            <TextInput
              type={field.kind === 'date' ? 'date' : 'datetime-local'}
              label={label}
              value={typeof value === 'string' ? value : ''}
              w={field.kind === 'date' ? 160 : 210}
              error={error}
              onChange={(event) => onChange(event.currentTarget.value)}
            />
          )}
        </Group>
      );
    }
    default:
      return (
        <TextInput
          label={label}
          value={typeof value === 'string' ? value : value === undefined ? '' : String(value)}
          w={200}
          error={error}
          onChange={(event) => onChange(event.currentTarget.value)}
        />
      );
  }
};

/** The values of `in` / `not in`: enum values picked, others typed one by one. */
const ListInput = (props: {
  readonly field: RuleField | undefined;
  readonly values: readonly ScalarValue[];
  readonly error: string | null;
  readonly onChange: (values: ScalarValue[] | undefined) => void;
}) => {
  const { field, values, error, onChange } = props;
  const t = useMessages(segmentsMessages);
  const shown = values.map(String);
  const listOrNothing = (list: ScalarValue[]) => (list.length === 0 ? undefined : list);
  if (field?.kind === 'enum')
    return (
      <MultiSelect
        label={t.values}
        data={field.values.map((option) => option)}
        value={shown}
        searchable
        miw={240}
        maw={420}
        error={error}
        onChange={(next) => onChange(listOrNothing(next))}
      />
    );
  return (
    <TagsInput
      label={t.values}
      placeholder={t.valuesHint}
      value={shown}
      miw={240}
      maw={420}
      error={error}
      onChange={(next) =>
        onChange(
          listOrNothing(
            isNumeric(field)
              ? next.map((text) => numberOf(text)).filter((n): n is number => n !== undefined)
              : next,
          ),
        )
      }
    />
  );
};

interface MeasureFields {
  readonly op: string;
  readonly value?: number | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

/** `op value`, or `between from and to`, on a measured number (aggregate, days, score). */
const MeasureInputs = (props: {
  readonly measure: MeasureFields;
  readonly operators: readonly string[];
  readonly issue: (field: string) => string | null;
  readonly unit?: string;
  readonly onChange: (next: {
    op: MeasureOperator;
    value?: number | undefined;
    from?: number | undefined;
    to?: number | undefined;
  }) => void;
}) => {
  const { measure, issue, onChange } = props;
  const t = useMessages(segmentsMessages);
  const seed = measure.value ?? measure.from ?? 0;
  return (
    <>
      <Select
        label={t.operator}
        data={props.operators.map((op) => ({
          value: op,
          label: isAttributeOperator(op, OPERATORS_BY_KIND.number) ? t.ops[op] : op,
        }))}
        value={measure.op}
        allowDeselect={false}
        w={120}
        error={issue('op')}
        onChange={(op) => {
          if (op === null || !isMeasureOperator(op)) return;
          onChange(
            op === 'between'
              ? { op, value: undefined, from: measure.from ?? seed, to: measure.to ?? seed }
              : { op, value: measure.value ?? seed, from: undefined, to: undefined },
          );
        }}
      />
      {measure.op === 'between' ? (
        <>
          <NumberInput
            label={props.unit === undefined ? t.from : `${t.from} (${props.unit})`}
            value={measure.from ?? ''}
            w={120}
            error={issue('from')}
            onChange={(value) => onChange({ op: 'between', from: numberOf(value), to: measure.to })}
          />
          <NumberInput
            label={props.unit === undefined ? t.to : `${t.to} (${props.unit})`}
            value={measure.to ?? ''}
            w={120}
            error={issue('to')}
            onChange={(value) => onChange({ op: 'between', from: measure.from, to: numberOf(value) })}
          />
        </>
      ) : (
        <NumberInput
          label={props.unit ?? t.value}
          value={measure.value ?? ''}
          w={130}
          error={issue('value')}
          onChange={(value) => {
            if (isMeasureOperator(measure.op)) onChange({ op: measure.op, value: numberOf(value) });
          }}
        />
      )}
    </>
  );
};

const FeatureInputs = (props: {
  readonly rule: Extract<SegmentRule, { type: 'feature' }>;
  readonly issue: (field: string) => string | null;
  readonly onChange: (rule: SegmentRule) => void;
}) => {
  const { rule, issue, onChange } = props;
  const t = useMessages(segmentsMessages);
  const { value: _value, values: _values, from: _from, to: _to, ...base } = rule;
  const seed = rule.value ?? rule.from ?? rule.values?.[0] ?? 0;
  const setOp = (op: FeatureOperator) => {
    if (op === 'between') onChange({ ...base, op, from: rule.from ?? seed, to: rule.to ?? seed });
    else if (op === 'in' || op === 'not in') onChange({ ...base, op, values: rule.values ?? [seed] });
    else if (op === 'is null' || op === 'is not null') onChange({ ...base, op });
    else onChange({ ...base, op, value: rule.value ?? seed });
  };
  return (
    <>
      <Select
        label={t.operator}
        data={FEATURE_OPERATORS.map((op) => ({ value: op, label: t.ops[op] }))}
        value={rule.op}
        allowDeselect={false}
        w={150}
        error={issue('op')}
        onChange={(op) => op !== null && isFeatureOperator(op) && setOp(op)}
      />
      {(rule.op === 'in' || rule.op === 'not in') && (
        <TagsInput
          label={t.values}
          placeholder={t.valuesHint}
          value={(rule.values ?? []).map(String)}
          w={240}
          error={issue('values')}
          onChange={(next) => {
            const values = next.map((text) => numberOf(text)).filter((n): n is number => n !== undefined);
            onChange({ ...rule, values: values.length === 0 ? undefined : values });
          }}
        />
      )}
      {rule.op === 'between' && (
        <>
          <NumberInput
            label={t.from}
            value={rule.from ?? ''}
            w={120}
            error={issue('from')}
            onChange={(value) => onChange({ ...rule, from: numberOf(value) })}
          />
          <NumberInput
            label={t.to}
            value={rule.to ?? ''}
            w={120}
            error={issue('to')}
            onChange={(value) => onChange({ ...rule, to: numberOf(value) })}
          />
        </>
      )}
      {isMeasureOperator(rule.op) && rule.op !== 'between' && (
        <NumberInput
          label={t.value}
          value={rule.value ?? ''}
          w={130}
          error={issue('value')}
          onChange={(value) => onChange({ ...rule, value: numberOf(value) })}
        />
      )}
    </>
  );
};

/** What a top-N ranks by: an attribute, an event aggregate or a feature. */
const MeasureEditor = (props: {
  readonly measure: Measure;
  readonly issue: (field: string) => string | null;
  readonly onChange: (measure: Measure) => void;
}) => {
  const { measure, issue, onChange } = props;
  const t = useMessages(segmentsMessages);
  const { schema } = useBuilder().context;
  const rankable = customerFields(schema).filter(
    ([, field]) => isNumeric(field) || field.kind === 'date' || field.kind === 'timestamp',
  );
  const firstEvent = eventTypes(schema)[0] ?? '';
  return (
    <Stack gap="xs">
      <Group align="flex-start" gap="xs" wrap="wrap">
        <Select
          label={t.measure}
          data={(['feature', 'attribute', 'event'] as const).map((type) => ({
            value: type,
            label: t.measureTypes[type],
          }))}
          value={measure.type}
          allowDeselect={false}
          w={220}
          error={issue('type')}
          onChange={(type) => {
            if (type === 'attribute') onChange({ type, attribute: rankable[0]?.[0] ?? '' });
            else if (type === 'event') onChange({ type, eventType: firstEvent, aggregate: 'count' });
            else if (type === 'feature') onChange({ type, feature: 'rfm_monetary' });
          }}
        />
        {measure.type === 'attribute' && (
          <Select
            label={t.attribute}
            data={rankable.map(([name]) => name)}
            value={measure.attribute === '' ? null : measure.attribute}
            allowDeselect={false}
            searchable
            w={220}
            error={issue('attribute')}
            onChange={(attribute) => attribute !== null && onChange({ ...measure, attribute })}
          />
        )}
        {measure.type === 'feature' && (
          <Select
            label={t.feature}
            data={FEATURE_NAMES.map((name) => name)}
            value={measure.feature}
            allowDeselect={false}
            w={200}
            error={issue('feature')}
            onChange={(feature) => feature !== null && onChange({ ...measure, feature })}
          />
        )}
        {measure.type === 'event' && (
          <>
            <EventTypeSelect
              value={measure.eventType}
              error={issue('eventType')}
              onChange={(eventType) => {
                const { where: _where, ...rest } = measure;
                onChange({ ...rest, eventType });
              }}
            />
            <Select
              label={t.aggregate}
              data={AGGREGATES.map((aggregate) => ({ value: aggregate, label: t.aggregates[aggregate] }))}
              value={measure.aggregate}
              allowDeselect={false}
              w={150}
              error={issue('aggregate')}
              onChange={(aggregate) => {
                if (aggregate === null || !isAggregate(aggregate)) return;
                const { field: _field, ...rest } = measure;
                const numeric = eventFields(schema, measure.eventType).filter(([, field]) =>
                  isNumeric(field),
                );
                onChange(
                  aggregate === 'count'
                    ? { ...rest, aggregate }
                    : { ...rest, aggregate, field: measure.field ?? numeric[0]?.[0] ?? 'amount' },
                );
              }}
            />
            {measure.aggregate !== 'count' && (
              <Select
                label={t.field}
                data={eventFields(schema, measure.eventType)
                  .filter(([, field]) => isNumeric(field))
                  .map(([name]) => name)}
                value={measure.field ?? null}
                w={160}
                error={issue('field')}
                onChange={(field) => field !== null && onChange({ ...measure, field })}
              />
            )}
          </>
        )}
      </Group>
      {measure.type === 'event' && (
        <Stack pl="md">
          <EventScope
            rule={measure}
            issue={issue}
            onChange={(next) => {
              const { where: _where, window: _window, ...rest } = measure;
              const where = 'where' in next ? next.where : measure.where;
              const window = 'window' in next ? next.window : measure.window;
              onChange({
                ...rest,
                ...(where === undefined ? {} : { where: [...where] }),
                ...(window === undefined ? {} : { window }),
              });
            }}
          />
        </Stack>
      )}
    </Stack>
  );
};
