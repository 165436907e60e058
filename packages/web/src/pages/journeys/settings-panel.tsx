import { NativeSelect, NumberInput, Stack, Switch, Textarea, TextInput, Title } from '@mantine/core';
import { ENTRY_TYPES, type JourneyEntry } from '@opencvm/core';
import { useMessages } from '../../i18n/i18n.tsx';
import { journeysMessages } from '../../i18n/journeys-messages.ts';
import type { RuleContext } from '../segments/rule-model.ts';
import type { StoredJourney } from './journey-api.ts';
import { CustomerRuleField } from './journey-rules.tsx';
import { JsonField, wholeOrUndefined } from './panel-fields.tsx';

const without = <T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> => {
  const { [key]: _old, ...rest } = value;
  return rest;
};

/** The entry trigger: its type and what that type asks for. */
export const EntryFields = ({
  entry,
  onChange,
  disabled,
  rules,
}: {
  readonly entry: JourneyEntry;
  readonly onChange: (entry: JourneyEntry) => void;
  readonly disabled: boolean;
  /** What the customer rule may name; null while it loads (the rule is edited as JSON meanwhile). */
  readonly rules: RuleContext | null;
}) => {
  const t = useMessages(journeysMessages);
  return (
    <Stack gap="xs">
      <Title order={5}>{t.kinds.entry}</Title>
      <NativeSelect
        label={t.entryType}
        value={entry.type}
        disabled={disabled}
        data={ENTRY_TYPES.map((value) => ({ value, label: t.entryTypes[value] }))}
        onChange={(event) => {
          const type = event.currentTarget.value;
          if (type === 'event') onChange({ type, eventType: 'eventType' in entry ? entry.eventType : '' });
          else if (type === 'inactivity')
            onChange({ type, eventType: 'eventType' in entry ? entry.eventType : '', days: 30 });
          else if (type === 'segment') onChange({ type, segment: '', on: 'entry' });
          else onChange({ type: 'date', attribute: '', offsetDays: 0, at: '10:00', yearly: false });
        }}
      />
      {(entry.type === 'event' || entry.type === 'inactivity') && (
        <TextInput
          label={t.eventType}
          value={entry.eventType}
          disabled={disabled}
          onChange={(event) => onChange({ ...entry, eventType: event.currentTarget.value })}
        />
      )}
      {entry.type === 'event' && (
        <JsonField
          label={t.where}
          value={entry.where}
          disabled={disabled}
          onChange={(where) =>
            onChange(where === undefined ? without(entry, 'where') : { ...entry, where: where as never })
          }
        />
      )}
      {entry.type === 'inactivity' && (
        <NumberInput
          label={t.inactivityDays}
          min={1}
          value={entry.days}
          disabled={disabled}
          onChange={(value) => onChange({ ...entry, days: wholeOrUndefined(value) ?? 1 })}
        />
      )}
      {entry.type === 'segment' && (
        <>
          <TextInput
            label={t.segment}
            value={entry.segment}
            disabled={disabled}
            onChange={(event) => onChange({ ...entry, segment: event.currentTarget.value })}
          />
          <NativeSelect
            label={t.segmentOn}
            value={entry.on}
            disabled={disabled}
            data={(['entry', 'exit'] as const).map((value) => ({ value, label: t.segmentOnValues[value] }))}
            onChange={(event) =>
              onChange({ ...entry, on: event.currentTarget.value === 'exit' ? 'exit' : 'entry' })
            }
          />
        </>
      )}
      {entry.type === 'date' && (
        <>
          <TextInput
            label={t.dateAttribute}
            value={entry.attribute}
            disabled={disabled}
            onChange={(event) => onChange({ ...entry, attribute: event.currentTarget.value })}
          />
          <NumberInput
            label={t.offsetDays}
            value={entry.offsetDays}
            disabled={disabled}
            onChange={(value) => onChange({ ...entry, offsetDays: wholeOrUndefined(value) ?? 0 })}
          />
          <TextInput
            label={t.at}
            value={entry.at}
            disabled={disabled}
            onChange={(event) => onChange({ ...entry, at: event.currentTarget.value })}
          />
          <Switch
            label={t.yearly}
            checked={entry.yearly}
            disabled={disabled}
            onChange={(event) => onChange({ ...entry, yearly: event.currentTarget.checked })}
          />
        </>
      )}
      {entry.type !== 'segment' && rules !== null && (
        <CustomerRuleField
          rule={entry.customer}
          context={rules}
          disabled={disabled}
          onChange={(customer) =>
            onChange(
              customer === undefined
                ? (without(entry, 'customer') as JourneyEntry)
                : ({ ...entry, customer } as JourneyEntry),
            )
          }
        />
      )}
      {entry.type !== 'segment' && rules === null && (
        <JsonField
          label={t.customerRule}
          value={entry.customer}
          disabled={disabled}
          onChange={(customer) =>
            onChange(
              customer === undefined
                ? (without(entry, 'customer') as JourneyEntry)
                : ({ ...entry, customer } as JourneyEntry),
            )
          }
        />
      )}
    </Stack>
  );
};

/** Name, goal, holdout, re-entry, daily cap, window, priority and purpose. */
export const SettingsFields = ({
  journey,
  onChange,
  disabled,
}: {
  readonly journey: StoredJourney;
  readonly onChange: (journey: StoredJourney) => void;
  readonly disabled: boolean;
}) => {
  const t = useMessages(journeysMessages);
  const window = journey.window ?? {};
  const setWindow = (key: 'from' | 'to', value: string) => {
    const next = value === '' ? without(window, key) : { ...window, [key]: value };
    onChange(
      Object.keys(next).length === 0
        ? (without(journey, 'window') as StoredJourney)
        : { ...journey, window: next },
    );
  };
  return (
    <Stack gap="xs">
      <Title order={5}>{t.settings}</Title>
      <TextInput
        label={t.name}
        value={journey.name}
        disabled={disabled}
        onChange={(event) => onChange({ ...journey, name: event.currentTarget.value })}
      />
      <Textarea
        label={t.description}
        value={journey.description ?? ''}
        autosize
        disabled={disabled}
        onChange={(event) =>
          onChange(
            event.currentTarget.value === ''
              ? (without(journey, 'description') as StoredJourney)
              : { ...journey, description: event.currentTarget.value },
          )
        }
      />
      <TextInput
        label={t.goalEvent}
        value={journey.goal.eventType}
        disabled={disabled}
        onChange={(event) =>
          onChange({ ...journey, goal: { ...journey.goal, eventType: event.currentTarget.value } })
        }
      />
      <NativeSelect
        label={t.kpi}
        value={journey.goal.kpi}
        disabled={disabled}
        data={(['conversion', 'revenue', 'retention'] as const).map((value) => ({
          value,
          label: t.kpis[value],
        }))}
        onChange={(event) =>
          onChange({
            ...journey,
            goal: { ...journey.goal, kpi: event.currentTarget.value as typeof journey.goal.kpi },
          })
        }
      />
      <NumberInput
        label={t.attributionDays}
        min={1}
        max={90}
        value={journey.goal.attributionDays}
        disabled={disabled}
        onChange={(value) =>
          onChange({ ...journey, goal: { ...journey.goal, attributionDays: wholeOrUndefined(value) ?? 14 } })
        }
      />
      <NumberInput
        label={t.holdout}
        min={0}
        max={50}
        decimalScale={2}
        value={journey.holdoutShare}
        disabled={disabled}
        onChange={(value) => onChange({ ...journey, holdoutShare: Number(value) || 0 })}
      />
      <NativeSelect
        label={t.reEntry}
        value={journey.reEntry.mode}
        disabled={disabled}
        data={(['once', 'after', 'every_time'] as const).map((value) => ({
          value,
          label: t.reEntryModes[value],
        }))}
        onChange={(event) => {
          const mode = event.currentTarget.value;
          onChange({
            ...journey,
            reEntry:
              mode === 'after' ? { mode, days: 30 } : mode === 'every_time' ? { mode } : { mode: 'once' },
          });
        }}
      />
      {journey.reEntry.mode === 'after' && (
        <NumberInput
          label={t.reEntryDays}
          min={1}
          value={journey.reEntry.days}
          disabled={disabled}
          onChange={(value) =>
            onChange({ ...journey, reEntry: { mode: 'after', days: wholeOrUndefined(value) ?? 1 } })
          }
        />
      )}
      <NumberInput
        label={t.dailyCap}
        min={1}
        value={journey.dailyCap ?? ''}
        disabled={disabled}
        onChange={(value) => {
          const cap = wholeOrUndefined(value);
          onChange(
            cap === undefined
              ? (without(journey, 'dailyCap') as StoredJourney)
              : { ...journey, dailyCap: cap },
          );
        }}
      />
      <TextInput
        label={t.windowFrom}
        value={window.from ?? ''}
        disabled={disabled}
        onChange={(event) => setWindow('from', event.currentTarget.value)}
      />
      <TextInput
        label={t.windowTo}
        value={window.to ?? ''}
        disabled={disabled}
        onChange={(event) => setWindow('to', event.currentTarget.value)}
      />
      <NumberInput
        label={t.priority}
        min={0}
        max={1000}
        value={journey.priority}
        disabled={disabled}
        onChange={(value) => onChange({ ...journey, priority: wholeOrUndefined(value) ?? 0 })}
      />
      <NativeSelect
        label={t.purpose}
        value={journey.purpose}
        disabled={disabled}
        data={(['marketing', 'service'] as const).map((value) => ({ value, label: t.purposes[value] }))}
        onChange={(event) =>
          onChange({ ...journey, purpose: event.currentTarget.value === 'service' ? 'service' : 'marketing' })
        }
      />
    </Stack>
  );
};
