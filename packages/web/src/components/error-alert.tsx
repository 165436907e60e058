import { Alert, Code, List, Text } from '@mantine/core';
import { useCallback } from 'react';
import { commonMessages } from '../i18n/common-messages.ts';
import { errorsMessages } from '../i18n/errors-messages.ts';
import { useLocale, useMessages } from '../i18n/i18n.tsx';
import { type ErrorText, errorText, type Issue, issueText } from './error-text.ts';

/** A refusal in the user's language (see errorText). */
export const useErrorText = (): ((error: unknown) => ErrorText) => {
  const t = useMessages(errorsMessages);
  const { locale } = useLocale();
  return useCallback((error: unknown) => errorText(error, t, locale), [t, locale]);
};

/** One issue of refused input (a field's message) in the user's language. */
export const useIssueText = (): ((issue: Issue) => string) => {
  const t = useMessages(errorsMessages);
  const { locale } = useLocale();
  return useCallback((issue: Issue) => issueText(issue, t, locale), [t, locale]);
};

/**
 * A refusal as the user should see it: what happened in their language, where in the input when
 * the API says, each refused field, and the server's own words only when nothing better is known.
 */
export const ErrorAlert = ({ error }: { readonly error: unknown }) => {
  const common = useMessages(commonMessages);
  const t = useMessages(errorsMessages);
  const describe = useErrorText();
  if (error === null || error === undefined) return null;
  const shown = describe(error);
  return (
    <Alert color="red" title={common.error} role="alert">
      <Text size="sm">
        {shown.path !== null && shown.issues.length === 0 && (
          <>
            <Code>{shown.path}</Code>{' '}
          </>
        )}
        {shown.text}
      </Text>
      {shown.issues.length > 0 && (
        <List size="sm" mt="xs">
          {shown.issues.map((issue) => (
            <List.Item key={`${issue.path}:${issue.text}`}>
              <Code>{issue.path}</Code>: {issue.text}
            </List.Item>
          ))}
        </List>
      )}
      {shown.detail !== null && (
        <Text size="xs" c="dimmed" mt="xs">
          {t.serverSaid}: {shown.detail}
        </Text>
      )}
    </Alert>
  );
};
