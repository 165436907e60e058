import { Fieldset } from '@mantine/core';
import type { SegmentRule } from '@opencvm/core';
import { useMemo } from 'react';
import { type Builder, BuilderContext } from './rule-builder/builder-context.ts';
import { RuleNode } from './rule-builder/rule-node.tsx';
import { ROOT, type RuleContext } from './rule-model.ts';
import type { Explain, SchemaIssue } from './segment-api.ts';

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
