import { Alert } from '@mantine/core';
import { ApiError } from '../api/client.ts';
import { commonMessages } from '../i18n/common-messages.ts';
import { useMessages } from '../i18n/i18n.tsx';

/** A refusal as the user should see it: the API's message, and where in the input when it says. */
export const ErrorAlert = ({ error }: { readonly error: unknown }) => {
  const t = useMessages(commonMessages);
  if (error === null || error === undefined) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <Alert color="red" title={t.error} role="alert">
      {error instanceof ApiError && error.path !== null && !message.startsWith(`${error.path}: `)
        ? `${error.path}: `
        : ''}
      {message}
    </Alert>
  );
};
