import { Alert, Button, Center, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useAuth } from '../../auth.tsx';
import { useErrorText, useIssueText } from '../../components/error-alert.tsx';
import { issuesOf } from '../../components/error-text.ts';
import { useMessages } from '../../i18n/i18n.tsx';
import { loginMessages } from '../../i18n/login-messages.ts';
import { LanguageSwitch } from '../../layout/language-switch.tsx';

/** Log-in, or the first admin's setup while the workspace has no user. */
export const LoginPage = ({ setup }: { readonly setup: boolean }) => {
  const t = useMessages(loginMessages);
  const auth = useAuth();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const errorText = useErrorText();
  const issueText = useIssueText();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (setup) await auth.setup({ token: token.trim(), name, password });
      else await auth.login(name, password);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const issues = issuesOf(error);
  const fieldError = (path: string) => {
    const found = issues.find((issue) => issue.path === path);
    return found === undefined ? null : issueText(found);
  };
  const shown = error === null ? null : errorText(error);

  return (
    <Center mih="100vh" bg="gray.0">
      <Paper
        component="form"
        onSubmit={submit}
        withBorder
        shadow="sm"
        p="xl"
        w={420}
        aria-labelledby="login-title"
      >
        <Stack>
          <Title order={2} id="login-title">
            {setup ? t.setupTitle : t.title}
          </Title>
          {setup && <Alert color="blue">{t.setupIntro}</Alert>}
          {setup && (
            <TextInput
              label={t.token}
              value={token}
              onChange={(event) => setToken(event.currentTarget.value)}
              required
              autoComplete="off"
              error={fieldError('token')}
            />
          )}
          <TextInput
            label={t.name}
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            required
            autoComplete="username"
            error={fieldError('name')}
          />
          <PasswordInput
            label={t.password}
            description={setup ? t.passwordHint : undefined}
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            required
            autoComplete={setup ? 'new-password' : 'current-password'}
            error={fieldError('password')}
          />
          {shown !== null && (
            <Alert color="red" role="alert">
              {shown.text}
              {shown.detail !== null && issues.length === 0 && ` (${shown.detail})`}
            </Alert>
          )}
          <Button type="submit" loading={busy}>
            {setup ? t.setupSubmit : t.submit}
          </Button>
          <LanguageSwitch />
        </Stack>
      </Paper>
    </Center>
  );
};
