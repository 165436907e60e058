import { Checkbox, Stack } from '@mantine/core';
import type { SegmentRule } from '@opencvm/core';
import type { ComponentType } from 'react';
import { newRule } from '../rule-model.ts';
import type { RuleNodeProps } from './builder-context.ts';
import { useBuilder } from './builder-context.ts';

/** `of` of top-N and samples: everyone when absent, else the customers a nested rule selects. */
export const OptionalChild = (props: {
  readonly label: string;
  readonly child: SegmentRule | undefined;
  readonly path: string;
  readonly depth: number;
  readonly onChange: (child: SegmentRule | undefined) => void;
  readonly RuleNode: ComponentType<RuleNodeProps>;
}) => {
  const { RuleNode } = props;
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
