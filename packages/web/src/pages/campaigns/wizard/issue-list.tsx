import { Alert, Button, Code, Group, List, Stack } from '@mantine/core';
import type { CampaignsMessages } from '../../../i18n/campaigns-messages.ts';
import { type Issue, STEP_KEYS, stepOf } from '../campaign-form.ts';

/** The issues of the last save, with a button to each step they are on. */
export const IssueList = ({
  title,
  issues,
  color,
  t,
  goTo,
}: {
  readonly title: string;
  readonly issues: readonly Issue[];
  readonly color: string;
  readonly t: CampaignsMessages;
  readonly goTo: (step: number) => void;
}) => {
  const steps = [...new Set(issues.map((issue) => stepOf(issue.path)))].sort();
  return (
    <Alert color={color} title={title} role={color === 'red' ? 'alert' : 'status'}>
      <Stack gap="xs">
        <List size="sm">
          {issues.map((issue) => (
            <List.Item key={`${issue.path}:${issue.message}`}>
              <Code>{issue.path}</Code> {issue.message}
            </List.Item>
          ))}
        </List>
        <Group gap="xs">
          {steps.map((step) => {
            const key = STEP_KEYS[step] ?? 'audience';
            return (
              <Button key={step} size="xs" variant="light" color={color} onClick={() => goTo(step)}>
                {t.goToStep(t.steps[key])}
              </Button>
            );
          })}
        </Group>
      </Stack>
    </Alert>
  );
};
