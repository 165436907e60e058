import { NumberInput, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { GOAL_KPIS } from '@opencvm/core';
import { useState } from 'react';
import { useAuth } from '../../../auth.tsx';
import type { SchemaView } from '../campaign-api.ts';
import { messagesAt } from '../campaign-form.ts';
import { MdeCard } from './mde-card.tsx';
import type { StepProps } from './step-props.ts';
import { useAudienceCounter, usePlan } from './use-plan.ts';

/** Step 5: the control group, the smallest effect it lets the campaign detect, and the goal. */
export const ControlStep = ({
  form,
  update,
  issues,
  t,
  schema,
  audienceSize,
  setAudienceSize,
}: StepProps & {
  readonly schema: SchemaView | null;
  readonly audienceSize: number | null;
  readonly setAudienceSize: (size: number) => void;
}) => {
  const auth = useAuth();
  const [baseRate, setBaseRate] = useState<number | string>(5);
  const share = typeof form.controlShare === 'number' ? form.controlShare : Number(form.controlShare);
  const rate = typeof baseRate === 'number' ? baseRate : Number(baseRate);
  const mayPlan = auth.can('results.read');
  const plan = usePlan({ mayPlan, audienceSize, share, rate });
  const counter = useAudienceCounter(form, setAudienceSize);
  const lift = typeof form.expectedLift === 'number' ? form.expectedLift : Number(form.expectedLift);
  const events = schema === null ? [] : Object.keys(schema.events);

  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <NumberInput
          label={t.controlShare}
          description={t.controlShareHint}
          value={form.controlShare}
          onChange={(value) => update('controlShare', value)}
          min={0}
          max={50}
          decimalScale={2}
          step={1}
          error={messagesAt(issues, 'controlShare')}
        />
        <NumberInput
          label={t.baseRate}
          description={t.baseRateHint}
          value={baseRate}
          onChange={setBaseRate}
          min={0.01}
          max={99}
          decimalScale={2}
        />
      </SimpleGrid>
      <MdeCard
        t={t}
        mayPlan={mayPlan}
        share={share}
        lift={lift}
        audienceSize={audienceSize}
        plan={plan}
        counter={counter}
      />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {events.length > 0 ? (
          <Select
            label={t.goalEvent}
            description={t.goalEventHint}
            data={events}
            value={form.goalEvent === '' ? null : form.goalEvent}
            onChange={(value) => update('goalEvent', value ?? '')}
            searchable
            error={
              messagesAt(issues, 'goal.eventType') ??
              messagesAt(
                issues.filter((i) => i.path.startsWith('goal.where')),
                'goal',
              )
            }
          />
        ) : (
          <TextInput
            label={t.goalEvent}
            description={t.goalEventHint}
            value={form.goalEvent}
            onChange={(event) => update('goalEvent', event.currentTarget.value)}
            error={messagesAt(issues, 'goal.eventType')}
          />
        )}
        <Select
          label={t.kpi}
          description={t.kpiRevenueNote}
          data={GOAL_KPIS.map((value) => ({ value, label: t.kpis[value] }))}
          value={form.kpi}
          onChange={(value) => {
            const kpi = GOAL_KPIS.find((k) => k === value);
            if (kpi !== undefined) update('kpi', kpi);
          }}
          allowDeselect={false}
          error={messagesAt(issues, 'goal.kpi')}
        />
        <NumberInput
          label={t.attributionDays}
          description={t.attributionHint}
          value={form.attributionDays}
          onChange={(value) => update('attributionDays', value)}
          min={1}
          max={90}
          allowDecimal={false}
          error={messagesAt(issues, 'goal.attributionDays')}
        />
        <NumberInput
          label={t.expectedLift}
          description={t.expectedLiftHint}
          value={form.expectedLift}
          onChange={(value) => update('expectedLift', value)}
          min={0}
          max={1000}
          decimalScale={2}
          error={messagesAt(issues, 'goal.expectedLiftPercent')}
        />
      </SimpleGrid>
      {messagesAt(
        issues.filter((i) => i.path === 'goal'),
        'goal',
      ) !== null && (
        <Text c="red" size="sm" role="alert">
          {messagesAt(
            issues.filter((i) => i.path === 'goal'),
            'goal',
          )}
        </Text>
      )}
    </Stack>
  );
};
