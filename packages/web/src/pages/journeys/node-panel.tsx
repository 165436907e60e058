import {
  Button,
  Group,
  Menu,
  NativeSelect,
  NumberInput,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { DELIVERY_CHANNELS, type JourneyNode, MESSAGE_OUTCOMES } from '@opencvm/core';
import { useMessages } from '../../i18n/i18n.tsx';
import { journeysMessages } from '../../i18n/journeys-messages.ts';
import { newRule, type RuleContext } from '../segments/rule-model.ts';
import { connect, disconnect, ENTRY_ID, type FlowJourney, handlesOf, targetOf } from './flow-model.ts';
import { useHandleName } from './journey-nodes.tsx';
import { AttributeConditions } from './journey-rules.tsx';
import { JsonField, wholeOrUndefined } from './panel-fields.tsx';
import { SendFields } from './send-fields.tsx';

type Branch = Extract<JourneyNode, { type: 'branch' }>['branches'][number];
type Wait = Extract<JourneyNode, { type: 'wait' }>['wait'];

/**
 * Each way out of the selected step with where it leads, and a "Connect to…" menu of the steps it
 * may lead to: connecting without dragging, for keyboard users and tests.
 */
export const WaysOut = <J extends FlowJourney>({
  journey,
  source,
  onChange,
  readOnly,
}: {
  readonly journey: J;
  readonly source: string;
  readonly onChange: (journey: J) => void;
  readonly readOnly: boolean;
}) => {
  const t = useMessages(journeysMessages);
  const handleName = useHandleName();
  const node = journey.nodes.find((candidate) => candidate.id === source);
  const handles = source === ENTRY_ID ? handlesOf('entry') : node === undefined ? [] : handlesOf(node);
  if (handles.length === 0) return null;
  return (
    <Stack gap={4}>
      <Text size="sm" fw={600}>
        {t.waysOut}
      </Text>
      {handles.map((handle) => {
        const name = handleName(node, handle);
        const to = targetOf(journey, source, handle);
        return (
          <Group key={handle} justify="space-between" gap={4} data-testid={`way-out-${source}-${handle}`}>
            <Text size="xs">
              {name}: {to === undefined ? t.leadsNowhere : t.leadsTo(to)}
            </Text>
            <Group gap={4}>
              <Menu withinPortal={false}>
                <Menu.Target>
                  <Button
                    size="compact-xs"
                    variant="light"
                    disabled={readOnly}
                    aria-label={t.connectFrom(name, source)}
                  >
                    {t.connectTo}
                  </Button>
                </Menu.Target>
                <Menu.Dropdown>
                  {journey.nodes
                    .filter((candidate) => candidate.id !== source)
                    .map((candidate) => (
                      <Menu.Item
                        key={candidate.id}
                        onClick={() => onChange(connect(journey, source, handle, candidate.id))}
                      >
                        {candidate.label === undefined
                          ? candidate.id
                          : `${candidate.label} (${candidate.id})`}
                      </Menu.Item>
                    ))}
                </Menu.Dropdown>
              </Menu>
              {to !== undefined && (
                <Button
                  size="compact-xs"
                  variant="subtle"
                  color="red"
                  disabled={readOnly}
                  aria-label={`${t.disconnect}: ${name}`}
                  onClick={() => onChange(disconnect(journey, source, handle))}
                >
                  {t.disconnect}
                </Button>
              )}
            </Group>
          </Group>
        );
      })}
    </Stack>
  );
};

const WaitFields = ({
  wait,
  onChange,
  disabled,
}: {
  readonly wait: Wait;
  readonly onChange: (wait: Wait) => void;
  readonly disabled: boolean;
}) => {
  const t = useMessages(journeysMessages);
  return (
    <Stack gap="xs">
      <NativeSelect
        label={t.waitKind}
        value={wait.type}
        disabled={disabled}
        data={(['duration', 'time_of_day', 'event'] as const).map((value) => ({
          value,
          label: t.waitKinds[value],
        }))}
        onChange={(event) => {
          const type = event.currentTarget.value;
          if (type === 'duration') onChange({ type, duration: { days: 1 } });
          else if (type === 'time_of_day') onChange({ type, at: '10:00' });
          else onChange({ type: 'event', eventType: '', timeout: { days: 3 } });
        }}
      />
      {wait.type === 'duration' && (
        <Group grow>
          {(['days', 'hours', 'minutes'] as const).map((unit) => (
            <NumberInput
              key={unit}
              label={t[unit]}
              min={0}
              value={wait.duration[unit] ?? ''}
              disabled={disabled}
              onChange={(value) => {
                const { [unit]: _old, ...rest } = wait.duration;
                const n = wholeOrUndefined(value);
                onChange({ ...wait, duration: n === undefined ? rest : { ...rest, [unit]: n } });
              }}
            />
          ))}
        </Group>
      )}
      {wait.type === 'time_of_day' && (
        <TextInput
          label={t.atTime}
          value={wait.at}
          disabled={disabled}
          onChange={(event) => onChange({ ...wait, at: event.currentTarget.value })}
        />
      )}
      {wait.type === 'event' && (
        <>
          <TextInput
            label={t.eventType}
            value={wait.eventType}
            disabled={disabled}
            onChange={(event) => onChange({ ...wait, eventType: event.currentTarget.value })}
          />
          <Group grow>
            <NumberInput
              label={t.timeoutDays}
              min={0}
              value={wait.timeout.days ?? ''}
              disabled={disabled}
              onChange={(value) =>
                onChange({ ...wait, timeout: { ...wait.timeout, days: wholeOrUndefined(value) ?? 0 } })
              }
            />
            <NumberInput
              label={t.timeoutHours}
              min={0}
              value={wait.timeout.hours ?? ''}
              disabled={disabled}
              onChange={(value) =>
                onChange({ ...wait, timeout: { ...wait.timeout, hours: wholeOrUndefined(value) ?? 0 } })
              }
            />
          </Group>
          <JsonField
            label={t.where}
            value={wait.where}
            disabled={disabled}
            onChange={(where) => onChange({ ...wait, where: where as never })}
          />
        </>
      )}
    </Stack>
  );
};

const BranchFields = ({
  branch,
  index,
  sends,
  onChange,
  disabled,
  rules,
}: {
  readonly branch: Branch;
  readonly index: number;
  readonly sends: readonly string[];
  readonly onChange: (branch: Branch) => void;
  readonly disabled: boolean;
  readonly rules: RuleContext | null;
}) => {
  const t = useMessages(journeysMessages);
  const when = branch.when;
  return (
    <Stack gap={4} p="xs" style={{ border: '1px solid var(--mantine-color-gray-3)', borderRadius: 6 }}>
      <TextInput
        label={`${t.branchName} ${index + 1}`}
        value={branch.name}
        disabled={disabled}
        onChange={(event) => onChange({ ...branch, name: event.currentTarget.value })}
      />
      <NativeSelect
        label={t.conditionType}
        value={when.type}
        disabled={disabled}
        data={(['attributes', 'segment', 'message'] as const).map((value) => ({
          value,
          label: t.conditionTypes[value],
        }))}
        onChange={(event) => {
          const type = event.currentTarget.value;
          if (type === 'attributes') {
            const first = rules === null ? null : newRule('attribute', rules);
            const { type: _rule, ...condition } =
              first?.type === 'attribute'
                ? first
                : { type: 'attribute', attribute: '', op: '=' as const, value: '' };
            onChange({ ...branch, when: { type, where: [condition] } });
          } else if (type === 'segment') onChange({ ...branch, when: { type, segment: '', member: true } });
          else onChange({ ...branch, when: { type: 'message', node: sends[0] ?? '', outcome: 'delivered' } });
        }}
      />
      {when.type === 'attributes' && rules !== null && (
        <AttributeConditions
          where={when.where}
          context={rules}
          disabled={disabled}
          onChange={(where) => onChange({ ...branch, when: { ...when, where } })}
        />
      )}
      {when.type === 'attributes' && rules === null && (
        <JsonField
          label={t.attributesWhere}
          value={when.where}
          disabled={disabled}
          onChange={(where) => onChange({ ...branch, when: { ...when, where: where as never } })}
        />
      )}
      {when.type === 'segment' && (
        <>
          <TextInput
            label={t.segment}
            value={when.segment}
            disabled={disabled}
            onChange={(event) =>
              onChange({ ...branch, when: { ...when, segment: event.currentTarget.value } })
            }
          />
          <Switch
            label={t.member}
            checked={when.member}
            disabled={disabled}
            onChange={(event) =>
              onChange({ ...branch, when: { ...when, member: event.currentTarget.checked } })
            }
          />
        </>
      )}
      {when.type === 'message' && (
        <>
          <NativeSelect
            label={t.messageNode}
            value={when.node}
            disabled={disabled}
            data={[...new Set([when.node, ...sends])]}
            onChange={(event) => onChange({ ...branch, when: { ...when, node: event.currentTarget.value } })}
          />
          <NativeSelect
            label={t.outcome}
            value={when.outcome}
            disabled={disabled}
            data={MESSAGE_OUTCOMES.map((value) => ({ value, label: t.outcomes[value] }))}
            onChange={(event) => {
              const outcome = event.currentTarget.value as Branch['when'] extends infer W
                ? W extends { outcome: infer O }
                  ? O
                  : never
                : never;
              const { eventType: _eventType, ...rest } = when;
              onChange({
                ...branch,
                when:
                  outcome === 'event'
                    ? { ...rest, outcome, eventType: when.eventType ?? '' }
                    : { ...rest, outcome },
              });
            }}
          />
          {when.outcome === 'event' && (
            <TextInput
              label={t.eventType}
              value={when.eventType ?? ''}
              disabled={disabled}
              onChange={(event) =>
                onChange({ ...branch, when: { ...when, eventType: event.currentTarget.value } })
              }
            />
          )}
        </>
      )}
    </Stack>
  );
};

/** The form of the selected step: its label and what its kind asks for. */
export const NodeFields = ({
  node,
  journey,
  onChange,
  disabled,
  offers,
  rules,
}: {
  readonly node: JourneyNode;
  readonly journey: FlowJourney;
  readonly onChange: (node: JourneyNode) => void;
  readonly disabled: boolean;
  /** The workspace's offers; a send may name none (a message alone). */
  readonly offers: readonly { readonly id: string; readonly name: string }[];
  /** What a branch's attribute conditions may name; null while it loads (JSON meanwhile). */
  readonly rules: RuleContext | null;
}) => {
  const t = useMessages(journeysMessages);
  const sends = journey.nodes
    .filter((candidate) => candidate.type === 'send')
    .map((candidate) => candidate.id);
  return (
    <Stack gap="xs">
      <Title order={5}>{t.selected(t.kinds[node.type], node.id)}</Title>
      <TextInput
        label={t.label}
        value={node.label ?? ''}
        disabled={disabled}
        onChange={(event) => {
          const { label: _label, ...rest } = node;
          const label = event.currentTarget.value;
          onChange((label === '' ? rest : { ...rest, label }) as JourneyNode);
        }}
      />
      {node.type === 'send' && (
        <>
          <NativeSelect
            label={t.channel}
            value={node.channel}
            disabled={disabled}
            data={DELIVERY_CHANNELS.map((value) => ({ value, label: t.channels[value] }))}
            onChange={(event) => {
              const { content: _content, ...rest } = node;
              onChange({ ...rest, channel: event.currentTarget.value as typeof node.channel });
            }}
          />
          <NativeSelect
            label={t.offer}
            value={node.offer ?? ''}
            disabled={disabled}
            data={[
              { value: '', label: t.noOffer },
              ...offers.map((offer) => ({ value: offer.id, label: `${offer.name} (${offer.id})` })),
              // An offer the list no longer holds (deleted, or not loaded yet) stays as it is named.
              ...(node.offer !== undefined && !offers.some((offer) => offer.id === node.offer)
                ? [{ value: node.offer, label: node.offer }]
                : []),
            ]}
            onChange={(event) => {
              const { offer: _offer, ...rest } = node;
              const offer = event.currentTarget.value;
              onChange(offer === '' ? rest : { ...rest, offer });
            }}
          />
          <SendFields node={node} onChange={onChange} disabled={disabled} />
        </>
      )}
      {node.type === 'wait' && (
        <WaitFields
          wait={node.wait}
          disabled={disabled}
          onChange={(wait) => {
            const { timeoutNext: _timeout, ...rest } = node;
            onChange(wait.type === 'event' ? { ...node, wait } : { ...rest, wait });
          }}
        />
      )}
      {node.type === 'branch' && (
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            {t.branches}
          </Text>
          {node.branches.map((branch, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: branches are addressed by their place (branch:<i>).
            <Stack key={index} gap={2}>
              <BranchFields
                branch={branch}
                index={index}
                sends={sends}
                rules={rules}
                disabled={disabled}
                onChange={(changed) =>
                  onChange({
                    ...node,
                    branches: node.branches.map((old, at) => (at === index ? changed : old)),
                  })
                }
              />
              {node.branches.length > 1 && (
                <Button
                  size="compact-xs"
                  variant="subtle"
                  color="red"
                  disabled={disabled}
                  onClick={() =>
                    onChange({ ...node, branches: node.branches.filter((_, at) => at !== index) })
                  }
                >
                  {t.removeBranch}
                </Button>
              )}
            </Stack>
          ))}
          <Button
            size="compact-sm"
            variant="light"
            disabled={disabled}
            onClick={() =>
              onChange({
                ...node,
                branches: [
                  ...node.branches,
                  {
                    name: t.newBranch(node.branches.length + 1),
                    when: { type: 'message', node: sends[0] ?? 'send_1', outcome: 'delivered' },
                  },
                ],
              })
            }
          >
            {t.addBranch}
          </Button>
        </Stack>
      )}
      {node.type === 'split' && (
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            {t.paths}
          </Text>
          {node.paths.map((path, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: paths are addressed by their place (path:<i>).
            <Group key={index} grow gap={4} align="flex-end">
              <TextInput
                label={`${t.pathName} ${index + 1}`}
                value={path.name}
                disabled={disabled}
                onChange={(event) =>
                  onChange({
                    ...node,
                    paths: node.paths.map((old, at) =>
                      at === index ? { ...old, name: event.currentTarget.value } : old,
                    ),
                  })
                }
              />
              <NumberInput
                label={t.share}
                min={0}
                max={100}
                value={path.share}
                disabled={disabled}
                onChange={(value) =>
                  onChange({
                    ...node,
                    paths: node.paths.map((old, at) =>
                      at === index ? { ...old, share: Number(value) || 0 } : old,
                    ),
                  })
                }
              />
              {node.paths.length > 2 && (
                <Button
                  size="compact-xs"
                  variant="subtle"
                  color="red"
                  disabled={disabled}
                  onClick={() => onChange({ ...node, paths: node.paths.filter((_, at) => at !== index) })}
                >
                  {t.removePath}
                </Button>
              )}
            </Group>
          ))}
          <Button
            size="compact-sm"
            variant="light"
            disabled={disabled || node.paths.length >= 10}
            onClick={() =>
              onChange({
                ...node,
                paths: [...node.paths, { name: t.newPath(node.paths.length + 1), share: 10 }],
              })
            }
          >
            {t.addPath}
          </Button>
        </Stack>
      )}
    </Stack>
  );
};
