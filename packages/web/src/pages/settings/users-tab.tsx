import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  PasswordInput,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { accountsApi, type EndpointArgs, ROLES, type Role } from '@opencvm/core';
import { type FormEvent, type ReactNode, useState } from 'react';
import { call } from '../../api/client.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { settingsMessages } from '../../i18n/settings-messages.ts';
import type { PublicUser } from './settings-api.ts';
import { ConfirmModal, SettingsError, TabLoading, useFieldErrors } from './settings-shared.tsx';

const isRole = (value: string | null): value is Role => ROLES.some((role) => role === value);

type Dialog =
  | { readonly kind: 'create' }
  | { readonly kind: 'edit'; readonly user: PublicUser }
  | { readonly kind: 'password'; readonly user: PublicUser }
  | { readonly kind: 'disable'; readonly user: PublicUser };

/** The role picker, each role with what it may do. */
const RoleSelect = ({
  value,
  onChange,
  error,
}: {
  readonly value: Role;
  readonly onChange: (role: Role) => void;
  readonly error: string | undefined;
}) => {
  const t = useMessages(settingsMessages);
  const common = useMessages(commonMessages);
  return (
    <Select
      label={t.users.role}
      data={ROLES.map((role) => ({
        value: role,
        label: `${common.roles[role]} — ${t.users.roleHints[role]}`,
      }))}
      value={value}
      allowDeselect={false}
      onChange={(role) => {
        if (isRole(role)) onChange(role);
      }}
      error={error}
      comboboxProps={{ withinPortal: true }}
    />
  );
};

/** A modal form: its fields, the refusal and the two buttons. */
const FormModal = ({
  title,
  submitLabel,
  busy,
  error,
  onSubmit,
  onClose,
  children,
}: {
  readonly title: string;
  readonly submitLabel: string;
  readonly busy: boolean;
  readonly error: unknown;
  readonly onSubmit: () => void;
  readonly onClose: () => void;
  readonly children: ReactNode;
}) => {
  const common = useMessages(commonMessages);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <Modal opened onClose={onClose} title={title} size="lg">
      <Stack component="form" onSubmit={submit}>
        {children}
        <SettingsError error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {common.cancel}
          </Button>
          <Button type="submit" loading={busy}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
};

/** Users: who they are, their role, whether they may sign in; create, edit, reset, disable. */
export const UsersTab = () => {
  const t = useMessages(settingsMessages);
  const common = useMessages(commonMessages);
  const format = useFormat();
  const auth = useAuth();
  const me = auth.state.status === 'signed-in' ? auth.state.session.name : null;
  const loaded = useLoad(() => call(accountsApi.users), []);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // The fields of whichever form is open.
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('marketer');
  const [password, setPassword] = useState('');

  const open = (next: Dialog) => {
    setError(null);
    setNotice(null);
    setPassword('');
    if (next.kind === 'create') {
      setName('');
      setDisplayName('');
      setRole('marketer');
    } else {
      setDisplayName(next.user.displayName ?? '');
      setRole(next.user.role);
    }
    setDialog(next);
  };
  const close = () => setDialog(null);

  const run = async (request: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(null);
    try {
      await request();
      setDialog(null);
      setNotice(done);
      loaded.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const patch = (user: PublicUser, body: EndpointArgs<typeof accountsApi.changeUser>['body'], done: string) =>
    run(() => call(accountsApi.changeUser, { params: { id: user.id }, body }), done);

  const fieldErrors = useFieldErrors(error);
  if (loaded.status === 'loading') return <TabLoading />;
  if (loaded.status === 'error') return <ErrorAlert error={loaded.error} />;
  const users = loaded.value.items;

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Text maw={760}>{t.users.intro}</Text>
        <Button onClick={() => open({ kind: 'create' })}>{t.users.create}</Button>
      </Group>
      {notice !== null && (
        <Alert color="green" role="status" withCloseButton onClose={() => setNotice(null)}>
          {notice}
        </Alert>
      )}
      {/* A refusal of enabling (no dialog) is shown here. */}
      {dialog === null && <SettingsError error={error} />}
      {users.length === 0 ? (
        <Text c="dimmed">{t.users.none}</Text>
      ) : (
        <Table.ScrollContainer minWidth={800}>
          <Table striped highlightOnHover withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t.users.name}</Table.Th>
                <Table.Th>{t.users.displayName}</Table.Th>
                <Table.Th>{t.users.role}</Table.Th>
                <Table.Th>{t.users.status}</Table.Th>
                <Table.Th>{t.users.created}</Table.Th>
                <Table.Th>{t.users.actions}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.map((user) => (
                <Table.Tr key={user.id} data-testid={`user-${user.name}`}>
                  <Table.Td>
                    <Group gap={6}>
                      <Text size="sm" fw={500}>
                        {user.name}
                      </Text>
                      {user.name === me && (
                        <Badge size="xs" variant="outline">
                          {t.users.you}
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>{user.displayName ?? '—'}</Table.Td>
                  <Table.Td>{common.roles[user.role]}</Table.Td>
                  <Table.Td>
                    <Badge color={user.disabled ? 'gray' : 'green'} variant="light">
                      {user.disabled ? t.users.disabled : t.users.active}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{format.date(user.createdAt)}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => open({ kind: 'edit', user })}
                        aria-label={`${t.users.edit} ${user.name}`}
                      >
                        {t.users.edit}
                      </Button>
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => open({ kind: 'password', user })}
                        aria-label={`${t.users.resetPassword} ${user.name}`}
                      >
                        {t.users.resetPassword}
                      </Button>
                      {user.disabled ? (
                        <Button
                          size="xs"
                          variant="light"
                          loading={busy && dialog === null}
                          aria-label={`${t.users.enable} ${user.name}`}
                          onClick={() => {
                            setNotice(null);
                            void patch(user, { disabled: false }, t.users.enabledDone(user.name));
                          }}
                        >
                          {t.users.enable}
                        </Button>
                      ) : (
                        <Button
                          size="xs"
                          variant="light"
                          color="red"
                          aria-label={`${t.users.disable} ${user.name}`}
                          onClick={() => open({ kind: 'disable', user })}
                        >
                          {t.users.disable}
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}

      {dialog?.kind === 'create' && (
        <FormModal
          title={t.users.createTitle}
          submitLabel={common.create}
          busy={busy}
          error={error}
          onClose={close}
          onSubmit={() =>
            void run(
              () =>
                call(accountsApi.createUser, {
                  body: {
                    name,
                    role,
                    password,
                    ...(displayName.trim() === '' ? {} : { displayName: displayName.trim() }),
                  },
                }),
              t.users.createdDone(name),
            )
          }
        >
          <TextInput
            label={t.users.name}
            description={t.users.nameHint}
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            required
            autoComplete="off"
            error={fieldErrors.get('name')}
            data-autofocus
          />
          <TextInput
            label={t.users.displayName}
            value={displayName}
            onChange={(event) => setDisplayName(event.currentTarget.value)}
            autoComplete="off"
            error={fieldErrors.get('displayName')}
          />
          <RoleSelect value={role} onChange={setRole} error={fieldErrors.get('role')} />
          <PasswordInput
            label={t.users.password}
            description={t.users.passwordHint}
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            required
            autoComplete="new-password"
            error={fieldErrors.get('password')}
          />
        </FormModal>
      )}

      {dialog?.kind === 'edit' && (
        <FormModal
          title={t.users.editTitle(dialog.user.name)}
          submitLabel={common.save}
          busy={busy}
          error={error}
          onClose={close}
          onSubmit={() => {
            const trimmed = displayName.trim();
            const body = {
              ...(role === dialog.user.role ? {} : { role }),
              ...(trimmed !== '' && trimmed !== (dialog.user.displayName ?? '')
                ? { displayName: trimmed }
                : {}),
            };
            if (Object.keys(body).length === 0) close();
            else void patch(dialog.user, body, t.users.savedDone(dialog.user.name));
          }}
        >
          <TextInput
            label={t.users.displayName}
            value={displayName}
            onChange={(event) => setDisplayName(event.currentTarget.value)}
            autoComplete="off"
            error={fieldErrors.get('displayName')}
            data-autofocus
          />
          <RoleSelect value={role} onChange={setRole} error={fieldErrors.get('role')} />
        </FormModal>
      )}

      {dialog?.kind === 'password' && (
        <FormModal
          title={t.users.resetPasswordTitle(dialog.user.name)}
          submitLabel={t.users.resetPassword}
          busy={busy}
          error={error}
          onClose={close}
          onSubmit={() => void patch(dialog.user, { password }, t.users.passwordDone(dialog.user.name))}
        >
          <Text size="sm">{t.users.resetPasswordHint}</Text>
          <PasswordInput
            label={t.users.newPassword}
            description={t.users.passwordHint}
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            required
            autoComplete="new-password"
            error={fieldErrors.get('password')}
            data-autofocus
          />
        </FormModal>
      )}

      <ConfirmModal
        opened={dialog?.kind === 'disable'}
        title={dialog?.kind === 'disable' ? t.users.disableTitle(dialog.user.name) : ''}
        confirmLabel={t.users.disable}
        busy={busy}
        error={error}
        onConfirm={() => {
          if (dialog?.kind === 'disable')
            void patch(dialog.user, { disabled: true }, t.users.disabledDone(dialog.user.name));
        }}
        onClose={close}
      >
        {t.users.disableText}
      </ConfirmModal>
    </Stack>
  );
};
