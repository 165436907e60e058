import {
  Anchor,
  Button,
  Group,
  Loader,
  NumberInput,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { PURPOSES } from '@opencvm/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { ErrorAlert } from '../../../components/error-alert.tsx';
import { useLoad } from '../../../components/use-api.ts';
import { useFormat } from '../../../i18n/i18n.tsx';
import { campaignApi } from '../campaign-api.ts';
import { audienceOf, messagesAt } from '../campaign-form.ts';
import type { StepProps } from './step-props.ts';

/** Step 1: the campaign's name and purpose, and who it is for (a saved segment or a rule), counted. */
export const AudienceStep = ({ form, update, issues, t, isNew }: StepProps & { readonly isNew: boolean }) => {
  const format = useFormat();
  const segments = useLoad(() => campaignApi.segments(), []);
  const [count, setCount] = useState<{ value: number | null; error: unknown; busy: boolean }>({
    value: null,
    error: null,
    busy: false,
  });
  const countAudience = async () => {
    const audience = audienceOf(form);
    if (audience === null) return;
    setCount({ value: null, error: null, busy: true });
    try {
      setCount({ value: await campaignApi.audienceCount(audience), error: null, busy: false });
    } catch (error) {
      setCount({ value: null, error, busy: false });
    }
  };
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <TextInput
          label={t.campaignId}
          description={t.campaignIdHint}
          value={form.id}
          onChange={(event) => update('id', event.currentTarget.value)}
          disabled={!isNew}
          required
          error={messagesAt(issues, 'id')}
        />
        <TextInput
          label={t.name}
          value={form.name}
          onChange={(event) => update('name', event.currentTarget.value)}
          required
          error={messagesAt(issues, 'name')}
        />
      </SimpleGrid>
      <Textarea
        label={t.description}
        value={form.description}
        onChange={(event) => update('description', event.currentTarget.value)}
        autosize
        minRows={2}
        error={messagesAt(issues, 'description')}
      />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Select
          label={t.purpose}
          description={t.purposeHint}
          data={PURPOSES.map((value) => ({ value, label: t.purposes[value] }))}
          value={form.purpose}
          onChange={(value) =>
            value !== null && update('purpose', value === 'service' ? 'service' : 'marketing')
          }
          allowDeselect={false}
          error={messagesAt(issues, 'purpose')}
        />
        <NumberInput
          label={t.priority}
          description={t.priorityHint}
          value={form.priority}
          onChange={(value) => update('priority', value)}
          min={0}
          max={1000}
          allowDecimal={false}
          error={messagesAt(issues, 'priority')}
        />
      </SimpleGrid>
      <Radio.Group
        label={t.audienceType}
        value={form.audienceType}
        onChange={(value) => update('audienceType', value === 'rule' ? 'rule' : 'segment')}
        error={
          issues.some((issue) => issue.path === 'audience' || issue.path === 'audience.type')
            ? messagesAt(
                issues.filter((issue) => issue.path === 'audience' || issue.path === 'audience.type'),
                'audience',
              )
            : null
        }
      >
        <Group mt="xs">
          <Radio value="segment" label={t.audienceSegment} />
          <Radio value="rule" label={t.audienceRule} />
        </Group>
      </Radio.Group>
      {form.audienceType === 'segment' ? (
        <Stack gap={4}>
          {segments.status === 'error' && <ErrorAlert error={segments.error} />}
          <Select
            label={t.segment}
            placeholder={t.segmentPlaceholder}
            data={
              segments.status === 'ready'
                ? segments.value.map((s) => ({ value: s.id, label: `${s.name} (${s.id})` }))
                : []
            }
            value={form.segment === '' ? null : form.segment}
            onChange={(value) => update('segment', value ?? '')}
            searchable
            nothingFoundMessage={t.noSegments}
            error={messagesAt(issues, 'audience.segment')}
            rightSection={segments.status === 'loading' ? <Loader size="xs" /> : undefined}
          />
          {segments.status === 'ready' && segments.value.length === 0 && (
            <Text size="sm" c="dimmed">
              {t.noSegments}
            </Text>
          )}
        </Stack>
      ) : (
        <Textarea
          label={t.rule}
          description={t.ruleHint}
          value={form.ruleText}
          onChange={(event) => update('ruleText', event.currentTarget.value)}
          autosize
          minRows={5}
          styles={{ input: { fontFamily: 'monospace' } }}
          error={messagesAt(issues, 'audience.rule')}
        />
      )}
      <Anchor component={Link} to="/segments" size="sm">
        {t.segmentBuilderLink} →
      </Anchor>
      <Group align="center">
        <Button
          variant="light"
          onClick={() => void countAudience()}
          loading={count.busy}
          disabled={audienceOf(form) === null}
        >
          {t.countAudience}
        </Button>
        {count.value !== null && (
          <Text>
            {t.audienceSize}: <b data-testid="audience-count">{format.integer(count.value)}</b>
          </Text>
        )}
      </Group>
      <ErrorAlert error={count.error} />
    </Stack>
  );
};
