import { Alert, Button, Group, NumberInput, Radio, Stack, Text, TextInput } from '@mantine/core';
import type { SchemaView } from '../campaign-api.ts';
import { messagesAt } from '../campaign-form.ts';
import type { StepProps } from './step-props.ts';

/** Step 4: once or recurring, and the most messages one run may send. */
export const ScheduleStep = ({
  form,
  update,
  issues,
  t,
  schema,
}: StepProps & { readonly schema: SchemaView | null }) => {
  const zone = schema?.workspace.timezone ?? '—';
  return (
    <Stack>
      <Radio.Group
        label={t.scheduleType}
        value={form.scheduleType}
        onChange={(value) => update('scheduleType', value === 'recurring' ? 'recurring' : 'once')}
        error={messagesAt(
          issues.filter((issue) => issue.path === 'schedule' || issue.path === 'schedule.type'),
          'schedule',
        )}
      >
        <Group mt="xs">
          <Radio value="once" label={t.scheduleOnceLabel} />
          <Radio value="recurring" label={t.scheduleRecurringLabel} />
        </Group>
      </Radio.Group>
      {form.scheduleType === 'once' ? (
        <TextInput
          type="datetime-local"
          label={t.at}
          description={t.atHint(zone)}
          value={form.at}
          onChange={(event) => update('at', event.currentTarget.value)}
          error={messagesAt(issues, 'schedule.at')}
          w={320}
        />
      ) : (
        <Stack gap="xs">
          <TextInput
            label={t.cron}
            description={t.cronHint(zone)}
            value={form.cron}
            onChange={(event) => update('cron', event.currentTarget.value)}
            error={messagesAt(issues, 'schedule.cron')}
            styles={{ input: { fontFamily: 'monospace' } }}
          />
          <Group gap="xs" role="group" aria-label={t.cronExamples}>
            <Text size="sm" c="dimmed">
              {t.cronExamples}:
            </Text>
            <Button size="xs" variant="default" onClick={() => update('cron', '0 10 * * *')}>
              {t.cronDaily}
            </Button>
            <Button size="xs" variant="default" onClick={() => update('cron', '0 11 * * MON')}>
              {t.cronWeekly}
            </Button>
            <Button size="xs" variant="default" onClick={() => update('cron', '0 12 1 * *')}>
              {t.cronMonthly}
            </Button>
          </Group>
        </Stack>
      )}
      <Alert color="gray" variant="light">
        {t.scheduleTriggerNote}
      </Alert>
      <NumberInput
        label={t.volumeCap}
        description={t.volumeCapHint}
        value={form.volumeCap}
        onChange={(value) => update('volumeCap', value)}
        min={1}
        allowDecimal={false}
        thousandSeparator=" "
        error={messagesAt(issues, 'volumeCap')}
        w={320}
      />
    </Stack>
  );
};
