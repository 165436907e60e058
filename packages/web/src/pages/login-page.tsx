import { Alert, Button, Center, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/client.ts';
import { useAuth } from '../auth.tsx';
import { useMessages } from '../i18n/i18n.tsx';
import { loginMessages } from '../i18n/login-messages.ts';
import { LanguageSwitch } from '../layout/language-switch.tsx';

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Log-in, or the first admin's setup while the workspace has no user. */
export const LoginPage = ({ setup }: { readonly setup: boolean }) => {
  const t = useMessages(loginMessages);
  const auth = useAuth();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiError | string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (setup) await auth.setup({ token: token.trim(), name, password });
      else await auth.login(name, password);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : messageOf(caught));
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (path: string) =>
    error instanceof ApiError && error.path === path ? error.message : null;

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
          {error !== null && (
            <Alert color="red" role="alert">
              {error instanceof ApiError ? error.message : error}
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
