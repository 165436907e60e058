import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { API_KEY_SCOPES, type ApiKeyScope, accountsApi } from '@opencvm/core';
import { type FormEvent, useState } from 'react';
import { call } from '../../api/client.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { settingsMessages } from '../../i18n/settings-messages.ts';
import type { CreatedKey, PublicApiKey } from './settings-api.ts';
import { ConfirmModal, SettingsError, TabLoading, useFieldErrors } from './settings-shared.tsx';

const isScope = (value: string | null): value is ApiKeyScope =>
  API_KEY_SCOPES.some((scope) => scope === value);

/** API keys: list, create (the secret shown once), revoke. */
export const ApiKeysTab = () => {
  const t = useMessages(settingsMessages);
  const common = useMessages(commonMessages);
  const format = useFormat();
  const loaded = useLoad(async () => {
    const [keys, users] = await Promise.all([call(accountsApi.apiKeys), call(accountsApi.users)]);
    return { keys: keys.items, userNames: new Map(users.items.map((user) => [user.id, user.name])) };
  }, []);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<ApiKeyScope>('ingest');
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [secretOpen, setSecretOpen] = useState(false);
  const [revoking, setRevoking] = useState<PublicApiKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await call(accountsApi.createApiKey, { body: { name, scope } });
      setCreating(false);
      setCreated(answer);
      setSecretOpen(true);
      loaded.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (key: PublicApiKey) => {
    setBusy(true);
    setError(null);
    try {
      await call(accountsApi.revokeApiKey, { params: { id: key.id } });
      setRevoking(null);
      loaded.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const fieldErrors = useFieldErrors(error);
  if (loaded.status === 'loading') return <TabLoading />;
  if (loaded.status === 'error') return <ErrorAlert error={loaded.error} />;
  const { keys, userNames } = loaded.value;

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Text maw={760}>{t.keys.intro}</Text>
        <Button
          onClick={() => {
            setName('');
            setScope('ingest');
            setError(null);
            setCreating(true);
          }}
        >
          {t.keys.create}
        </Button>
      </Group>
      {keys.length === 0 ? (
        <Text c="dimmed">{t.keys.none}</Text>
      ) : (
        <Table.ScrollContainer minWidth={800}>
          <Table striped highlightOnHover withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t.keys.name}</Table.Th>
                <Table.Th>{t.keys.scope}</Table.Th>
                <Table.Th>{t.keys.createdBy}</Table.Th>
                <Table.Th>{t.keys.createdAt}</Table.Th>
                <Table.Th>{t.keys.lastUsed}</Table.Th>
                <Table.Th>{t.keys.status}</Table.Th>
                <Table.Th>{t.users.actions}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {keys.map((key) => (
                <Table.Tr
                  key={key.id}
                  data-testid={`api-key-${key.name}`}
                  {...(key.revoked ? { c: 'dimmed' } : {})}
                >
                  <Table.Td fw={500}>{key.name}</Table.Td>
                  <Table.Td>
                    <Code>{key.scope}</Code>
                  </Table.Td>
                  <Table.Td>{userNames.get(key.createdBy) ?? key.createdBy}</Table.Td>
                  <Table.Td>{format.dateTime(key.createdAt)}</Table.Td>
                  <Table.Td>
                    {key.lastUsedAt === null ? t.keys.never : format.dateTime(key.lastUsedAt)}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={key.revoked ? 'gray' : 'green'} variant="light">
                      {key.revoked ? t.keys.revoked : t.keys.active}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {!key.revoked && (
                      <Button
                        size="xs"
                        variant="light"
                        color="red"
                        aria-label={`${t.keys.revoke} ${key.name}`}
                        onClick={() => {
                          setError(null);
                          setRevoking(key);
                        }}
                      >
                        {t.keys.revoke}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}

      <Modal opened={creating} onClose={() => setCreating(false)} title={t.keys.createTitle} size="lg">
        <Stack component="form" onSubmit={create}>
          <TextInput
            label={t.keys.name}
            description={t.keys.nameHint}
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            required
            autoComplete="off"
            error={fieldErrors.get('name')}
            data-autofocus
          />
          <Select
            label={t.keys.scope}
            data={API_KEY_SCOPES.map((value) => ({ value, label: t.keys.scopes[value] }))}
            value={scope}
            allowDeselect={false}
            onChange={(value) => {
              if (isScope(value)) setScope(value);
            }}
            error={fieldErrors.get('scope')}
          />
          <SettingsError error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setCreating(false)}>
              {common.cancel}
            </Button>
            <Button type="submit" loading={busy}>
              {common.create}
            </Button>
          </Group>
        </Stack>
      </Modal>

      <Modal
        opened={secretOpen}
        onClose={() => setSecretOpen(false)}
        // The secret leaves the page's memory once the modal is gone.
        onExitTransitionEnd={() => setCreated(null)}
        title={created === null ? '' : t.keys.secretTitle(created.key.name)}
        size="lg"
        closeOnClickOutside={false}
      >
        {created !== null && (
          <Stack>
            <Alert color="orange" role="alert">
              {t.keys.secretWarning}
            </Alert>
            <TextInput
              label={t.keys.secretLabel}
              value={created.secret}
              readOnly
              data-testid="api-key-secret"
              styles={{ input: { fontFamily: 'monospace' } }}
              onFocus={(event) => event.currentTarget.select()}
            />
            <Group justify="space-between">
              <CopyButton value={created.secret} timeout={2000}>
                {({ copied, copy }) => (
                  <Button color={copied ? 'teal' : 'blue'} variant="light" onClick={copy}>
                    {copied ? t.keys.copied : t.keys.copy}
                  </Button>
                )}
              </CopyButton>
              <Button onClick={() => setSecretOpen(false)}>{t.keys.done}</Button>
            </Group>
          </Stack>
        )}
      </Modal>

      <ConfirmModal
        opened={revoking !== null}
        title={revoking === null ? '' : t.keys.revokeTitle(revoking.name)}
        confirmLabel={t.keys.revoke}
        busy={busy}
        error={error}
        onConfirm={() => {
          if (revoking !== null) void revoke(revoking);
        }}
        onClose={() => setRevoking(null)}
      >
        {t.keys.revokeText}
      </ConfirmModal>
    </Stack>
  );
};
