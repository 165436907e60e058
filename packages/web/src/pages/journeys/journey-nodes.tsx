import { Badge, Card, Group, Stack, Text, Tooltip } from '@mantine/core';
import type { JourneyEntry, JourneyNode } from '@opencvm/core';
import { Handle, type Node, type NodeProps, Position } from '@xyflow/react';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { journeysMessages } from '../../i18n/journeys-messages.ts';
import { ENTRY_ID, type FlowNodeKind, handlesOf, TARGET_HANDLE } from './flow-model.ts';

/** What a step on the canvas shows: the definition, its issues and, on a running journey, its counts. */
export interface StepData extends Record<string, unknown> {
  readonly kind: FlowNodeKind;
  readonly node?: JourneyNode | undefined;
  readonly entry?: JourneyEntry | undefined;
  readonly issues: readonly string[];
  readonly counts?: { readonly here: number; readonly reached: number } | undefined;
}

export type StepNode = Node<StepData>;

const COLORS: Readonly<Record<FlowNodeKind, string>> = {
  entry: 'teal',
  send: 'indigo',
  wait: 'yellow',
  branch: 'grape',
  split: 'cyan',
  exit: 'gray',
};

/** The name of a way out, as people read it. */
export const useHandleName = () => {
  const t = useMessages(journeysMessages);
  return (node: JourneyNode | undefined, handle: string): string => {
    if (handle.startsWith('branch:') && node?.type === 'branch') {
      return t.handles.branch(node.branches[Number(handle.slice(7))]?.name ?? handle);
    }
    if (handle.startsWith('path:') && node?.type === 'split') {
      return t.handles.path(node.paths[Number(handle.slice(5))]?.name ?? handle);
    }
    if (handle === 'start' || handle === 'next' || handle === 'timeout' || handle === 'default')
      return t.handles[handle];
    return handle;
  };
};

const summaryOf = (data: StepData, t: (typeof journeysMessages)['en']): string => {
  const { node, entry } = data;
  if (entry !== undefined) {
    if (entry.type === 'event' || entry.type === 'inactivity')
      return `${t.entryTypes[entry.type]}: ${entry.eventType}`;
    if (entry.type === 'segment') return `${t.entryTypes.segment}: ${entry.segment}`;
    return `${t.entryTypes.date}: ${entry.attribute}`;
  }
  if (node === undefined) return '';
  switch (node.type) {
    case 'send':
      return `${t.channels[node.channel]}${node.offer === undefined ? '' : ` · ${node.offer}`}`;
    case 'wait':
      if (node.wait.type === 'duration') {
        const { days = 0, hours = 0, minutes = 0 } = node.wait.duration;
        return `${days}d ${hours}h ${minutes}m`;
      }
      return node.wait.type === 'time_of_day' ? node.wait.at : node.wait.eventType;
    case 'branch':
      return node.branches.map((branch) => branch.name).join(' · ');
    case 'split':
      return node.paths.map((path) => `${path.name} ${path.share}%`).join(' · ');
    case 'exit':
      return '';
  }
};

/** Handles big enough to grab with a mouse when the canvas is zoomed out to fit a journey. */
const HANDLE_STYLE = { width: 12, height: 12 } as const;

/** One step: its kind, label, issues (a red badge), live counts, a way in and each way out. */
export const StepCard = ({ id, data, selected }: NodeProps<StepNode>) => {
  const t = useMessages(journeysMessages);
  const format = useFormat();
  const handleName = useHandleName();
  const handles =
    data.kind === 'entry' ? handlesOf('entry') : data.node === undefined ? [] : handlesOf(data.node);
  const title = data.node?.label ?? (data.kind === 'entry' ? t.kinds.entry : id);
  return (
    <Card
      withBorder
      padding="xs"
      w={220}
      data-testid={`journey-node-${id}`}
      aria-label={`${t.kinds[data.kind]}: ${title}`}
      style={{
        // A Mantine card clips what overflows it, and a handle sits half outside its step:
        // clipped, only a sliver of it could be grabbed to draw a connection.
        overflow: 'visible',
        borderColor:
          data.issues.length > 0
            ? 'var(--mantine-color-red-6)'
            : selected
              ? 'var(--mantine-color-blue-6)'
              : undefined,
        borderWidth: selected || data.issues.length > 0 ? 2 : 1,
      }}
    >
      {id !== ENTRY_ID && (
        <Handle
          type="target"
          position={Position.Top}
          id={TARGET_HANDLE}
          data-testid={`handle-${id}-${TARGET_HANDLE}`}
          aria-label={t.inputOf(id)}
          style={HANDLE_STYLE}
        />
      )}
      <Stack gap={4}>
        <Group justify="space-between" gap={4} wrap="nowrap">
          <Badge size="xs" color={COLORS[data.kind]} variant="light">
            {t.kinds[data.kind]}
          </Badge>
          {data.issues.length > 0 && (
            <Tooltip label={data.issues.join('\n')} multiline w={260}>
              <Badge size="xs" color="red" variant="filled" data-testid={`node-issues-${id}`}>
                {t.nodeIssues(data.issues.length)}
              </Badge>
            </Tooltip>
          )}
        </Group>
        <Text size="sm" fw={600} truncate>
          {title}
        </Text>
        <Text size="xs" c="dimmed" truncate>
          {summaryOf(data, t)}
        </Text>
        {data.issues.length > 0 && (
          <Stack gap={0} role="list" aria-label={t.nodeIssues(data.issues.length)}>
            {data.issues.map((issue) => (
              <Text key={issue} size="xs" c="red" role="listitem">
                {issue}
              </Text>
            ))}
          </Stack>
        )}
        {data.counts !== undefined && (
          <Group gap={6} data-testid={`node-counts-${id}`}>
            <Badge size="sm" color="blue" variant="filled" data-testid={`node-here-${id}`}>
              {t.here(format.integer(data.counts.here))}
            </Badge>
            <Text size="xs" c="dimmed" data-testid={`node-reached-${id}`}>
              {t.reached(format.integer(data.counts.reached))}
            </Text>
          </Group>
        )}
        {handles.length > 1 && (
          <Group justify="space-around" gap={2} wrap="nowrap">
            {handles.map((handle) => (
              <Text key={handle} size="10px" c="dimmed" truncate maw={`${100 / handles.length}%`}>
                {handleName(data.node, handle)}
              </Text>
            ))}
          </Group>
        )}
      </Stack>
      {handles.map((handle, index) => (
        <Handle
          key={handle}
          type="source"
          position={Position.Bottom}
          id={handle}
          data-testid={`handle-${id}-${handle}`}
          aria-label={t.handleOf(handleName(data.node, handle), id)}
          style={{ ...HANDLE_STYLE, left: `${((index + 1) * 100) / (handles.length + 1)}%` }}
        />
      ))}
    </Card>
  );
};

export const NODE_TYPES = {
  entry: StepCard,
  send: StepCard,
  wait: StepCard,
  branch: StepCard,
  split: StepCard,
  exit: StepCard,
};
