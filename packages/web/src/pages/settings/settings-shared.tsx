import { Alert, Button, Group, List, Modal, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { ErrorAlert, useIssueText } from '../../components/error-alert.tsx';
import { issuesOf } from '../../components/error-text.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useMessages } from '../../i18n/i18n.tsx';

/**
 * Every refused field of an API error by its path (`policy.caps.sms.day` → what is wrong), in the
 * user's language.
 */
export const useFieldErrors = (error: unknown): ReadonlyMap<string, string> => {
  const issueText = useIssueText();
  return new Map(issuesOf(error).map((issue) => [issue.path, issueText(issue)]));
};

/**
 * A refusal: refused input as the list of its issues, each with its path (the fields show them
 * too); anything else as ErrorAlert says it.
 */
export const SettingsError = ({ error }: { readonly error: unknown }) => {
  const common = useMessages(commonMessages);
  const issueText = useIssueText();
  const issues = issuesOf(error);
  if (issues.length === 0) return <ErrorAlert error={error} />;
  return (
    <Alert color="red" title={common.error} role="alert">
      <List size="sm">
        {issues.map((issue) => (
          <List.Item key={`${issue.path}:${issue.message}`}>
            <code>{issue.path}</code>: {issueText(issue)}
          </List.Item>
        ))}
      </List>
    </Alert>
  );
};

/** A question before a change that cannot simply be taken back; the refusal is shown inside. */
export const ConfirmModal = ({
  opened,
  title,
  children,
  confirmLabel,
  color = 'red',
  busy,
  error,
  onConfirm,
  onClose,
}: {
  readonly opened: boolean;
  readonly title: string;
  readonly children: ReactNode;
  readonly confirmLabel: string;
  readonly color?: string;
  readonly busy: boolean;
  readonly error: unknown;
  readonly onConfirm: () => void;
  readonly onClose: () => void;
}) => {
  const common = useMessages(commonMessages);
  return (
    <Modal opened={opened} onClose={onClose} title={title} size="lg">
      <Stack>
        {typeof children === 'string' ? <Text>{children}</Text> : children}
        <SettingsError error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {common.cancel}
          </Button>
          <Button color={color} loading={busy} onClick={onConfirm}>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
};

/** A tab's loading state. */
export const TabLoading = () => {
  const common = useMessages(commonMessages);
  return (
    <Text c="dimmed" role="status">
      {common.loading}
    </Text>
  );
};
