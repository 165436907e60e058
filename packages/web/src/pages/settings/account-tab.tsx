import { Alert, Button, Modal, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { accountsApi } from '@opencvm/core';
import { type FormEvent, useState } from 'react';
import { call } from '../../api/client.ts';
import { useAuth } from '../../auth.tsx';
import { useMessages } from '../../i18n/i18n.tsx';
import { settingsMessages } from '../../i18n/settings-messages.ts';
import { SettingsError, useFieldErrors } from './settings-shared.tsx';

/** The signed-in user's own account: a new password, which ends every session of theirs. */
export const AccountTab = () => {
  const t = useMessages(settingsMessages);
  const auth = useAuth();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const fieldErrors = useFieldErrors(error);

  if (auth.state.status !== 'signed-in' || auth.state.session.kind !== 'user')
    return <Alert color="gray">{t.account.notUser}</Alert>;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (newPassword !== repeated) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    setBusy(true);
    try {
      await call(accountsApi.changePassword, { body: { currentPassword, newPassword } });
      setDone(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="lg" maw={520} component="form" onSubmit={submit} aria-labelledby="password-title">
      <Stack>
        <Title order={3} id="password-title">
          {t.account.title}
        </Title>
        <Text size="sm">{t.account.intro}</Text>
        <PasswordInput
          label={t.account.currentPassword}
          value={currentPassword}
          onChange={(event) => setCurrentPassword(event.currentTarget.value)}
          required
          autoComplete="current-password"
          error={fieldErrors.get('currentPassword')}
        />
        <PasswordInput
          label={t.account.newPassword}
          description={t.account.newPasswordHint}
          value={newPassword}
          onChange={(event) => setNewPassword(event.currentTarget.value)}
          required
          autoComplete="new-password"
          error={fieldErrors.get('newPassword')}
        />
        <PasswordInput
          label={t.account.repeatPassword}
          value={repeated}
          onChange={(event) => setRepeated(event.currentTarget.value)}
          required
          autoComplete="new-password"
          error={mismatch ? t.account.mismatch : undefined}
        />
        <SettingsError error={error} />
        <Button type="submit" loading={busy} w="fit-content">
          {t.account.submit}
        </Button>
      </Stack>
      <Modal
        opened={done}
        onClose={() => window.location.assign('/')}
        title={t.account.doneTitle}
        closeOnClickOutside={false}
      >
        <Stack>
          <Text>{t.account.doneText}</Text>
          {/* A fresh start: the session check finds no session and shows the log-in page. */}
          <Button onClick={() => window.location.assign('/')} data-autofocus>
            {t.account.signInAgain}
          </Button>
        </Stack>
      </Modal>
    </Paper>
  );
};
