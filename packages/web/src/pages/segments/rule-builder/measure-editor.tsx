import { Group, Select, Stack } from '@mantine/core';
import { AGGREGATES, FEATURE_NAMES, type Measure } from '@opencvm/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { customerFields, eventFields, eventTypes, isNumeric } from '../rule-model.ts';
import { useBuilder } from './builder-context.ts';
import { EventScope } from './event-scope.tsx';
import { EventTypeSelect } from './event-type-select.tsx';
import { isAggregate } from './rule-values.ts';

/** What a top-N ranks by: an attribute, an event aggregate or a feature. */
export const MeasureEditor = (props: {
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
