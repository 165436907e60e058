import { Badge, Button, Group, Paper, Select, Stack, Text } from '@mantine/core';
import { SEGMENT_RULE_TYPES, type SegmentRule } from '@opencvm/core';
import type { ReactNode } from 'react';
import { useFormat, useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { fieldIssue, issuesAt, newRule } from '../rule-model.ts';
import { ActivityEditor } from './activity-editor.tsx';
import { AttributeEditor } from './attribute-editor.tsx';
import { type FieldIssues, type RuleNodeProps, useBuilder } from './builder-context.ts';
import { EventEditor } from './event-editor.tsx';
import { FeatureEditor } from './feature-editor.tsx';
import { GraphEditor } from './graph-editor.tsx';
import { GroupEditor } from './group-editor.tsx';
import { ListMembershipEditor } from './list-membership-editor.tsx';
import { NotEditor } from './not-editor.tsx';
import { RecencyEditor } from './recency-editor.tsx';
import { isRuleType } from './rule-values.ts';
import { SampleEditor } from './sample-editor.tsx';
import { SegmentMembershipEditor } from './segment-membership-editor.tsx';
import { TopEditor } from './top-editor.tsx';

const DEPTH_COLORS = ['blue', 'grape', 'teal', 'orange', 'cyan', 'pink'] as const;

/** One rule of the tree: its kind, its counts, not and remove, and the editor of its kind. */
export const RuleNode = (props: RuleNodeProps) => {
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
        <RuleBody rule={rule} onChange={onChange} path={path} depth={depth} issues={issues} />
      </Stack>
    </Paper>
  );
};

/** The editor of the rule's kind. */
const RuleBody = (props: {
  readonly rule: SegmentRule;
  readonly onChange: (rule: SegmentRule) => void;
  readonly path: string;
  readonly depth: number;
  readonly issues: FieldIssues;
}): ReactNode => {
  const { rule, onChange, path, depth, issues } = props;
  const issue = (field: string) => fieldIssue(issues, field);
  const nesting = { onChange, issue, path, depth, RuleNode };
  switch (rule.type) {
    case 'and':
    case 'or':
      return <GroupEditor rule={rule} {...nesting} />;
    case 'not':
      return <NotEditor rule={rule} {...nesting} />;
    case 'attribute':
      return <AttributeEditor rule={rule} onChange={onChange} issue={issue} />;
    case 'event':
      return <EventEditor rule={rule} onChange={onChange} issue={issue} />;
    case 'activity':
      return <ActivityEditor rule={rule} onChange={onChange} issue={issue} />;
    case 'recency':
      return <RecencyEditor rule={rule} onChange={onChange} issue={issue} />;
    case 'feature':
      return <FeatureEditor rule={rule} onChange={onChange} issue={issue} />;
    case 'segment':
      return <SegmentMembershipEditor rule={rule} onChange={onChange} issue={issue} />;
    case 'list':
      return <ListMembershipEditor rule={rule} onChange={onChange} issue={issue} />;
    case 'graph':
      return <GraphEditor rule={rule} {...nesting} />;
    case 'top':
      return <TopEditor rule={rule} {...nesting} />;
    case 'sample':
      return <SampleEditor rule={rule} {...nesting} />;
  }
};
