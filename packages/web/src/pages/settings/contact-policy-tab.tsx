import {
  Alert,
  Badge,
  Button,
  Group,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import {
  CAP_PERIODS,
  CAP_SCOPES,
  type CapPeriod,
  type CapScope,
  CHANNELS,
  type Channel,
  type ContactPolicy,
  type PeriodCaps,
  type QuietHours,
  settingsApi,
} from '@opencvm/core';
import { type FormEvent, useState } from 'react';
import { ApiError, call } from '../../api/client.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { settingsMessages } from '../../i18n/settings-messages.ts';
import type { ContactPolicySettings } from './settings-api.ts';
import { ConfirmModal, SettingsError, TabLoading, useFieldErrors } from './settings-shared.tsx';

/** Total first: it is the cap a CVM team sets before any per-channel one. */
const SCOPES: readonly CapScope[] = ['total', ...CAP_SCOPES.filter((scope) => scope !== 'total')];

type QuietMode = 'inherit' | 'none' | 'own';
const QUIET_MODES: readonly QuietMode[] = ['inherit', 'none', 'own'];
const isQuietMode = (value: string | null): value is QuietMode => QUIET_MODES.some((mode) => mode === value);

/** The policy as the editor holds it: an empty cap is '' (no cap), hours as HH:MM text. */
interface PolicyForm {
  readonly caps: Readonly<Record<CapScope, Readonly<Record<CapPeriod, number | ''>>>>;
  readonly defaultQuiet: { readonly enabled: boolean; readonly from: string; readonly to: string };
  readonly channelQuiet: Readonly<
    Record<Channel, { readonly mode: QuietMode; readonly from: string; readonly to: string }>
  >;
}

const DEFAULT_FROM = '21:00';
const DEFAULT_TO = '09:00';

const capsForm = (caps: PeriodCaps | undefined): Record<CapPeriod, number | ''> => ({
  day: caps?.day ?? '',
  week: caps?.week ?? '',
  month: caps?.month ?? '',
});

const formOf = (policy: ContactPolicy): PolicyForm => {
  const quiet = policy.quietHours;
  const channelQuiet = (hours: QuietHours | null | undefined) =>
    hours === undefined
      ? { mode: 'inherit' as const, from: DEFAULT_FROM, to: DEFAULT_TO }
      : hours === null
        ? { mode: 'none' as const, from: DEFAULT_FROM, to: DEFAULT_TO }
        : { mode: 'own' as const, from: hours.from, to: hours.to };
  return {
    caps: {
      total: capsForm(policy.caps.total),
      sms: capsForm(policy.caps.sms),
      email: capsForm(policy.caps.email),
      push: capsForm(policy.caps.push),
    },
    defaultQuiet: {
      enabled: quiet.default !== undefined,
      from: quiet.default?.from ?? DEFAULT_FROM,
      to: quiet.default?.to ?? DEFAULT_TO,
    },
    channelQuiet: {
      sms: channelQuiet(quiet.sms),
      email: channelQuiet(quiet.email),
      push: channelQuiet(quiet.push),
    },
  };
};

/** The policy to send: empty caps and scopes left out, channels as their mode says. */
const policyOf = (form: PolicyForm): ContactPolicy => {
  const caps: ContactPolicy['caps'] = {};
  for (const scope of SCOPES) {
    const periods: PeriodCaps = {};
    for (const period of CAP_PERIODS) {
      const limit = form.caps[scope][period];
      if (limit !== '') periods[period] = limit;
    }
    if (Object.keys(periods).length > 0) caps[scope] = periods;
  }
  const quietHours: ContactPolicy['quietHours'] = {};
  if (form.defaultQuiet.enabled)
    quietHours.default = { from: form.defaultQuiet.from, to: form.defaultQuiet.to };
  for (const channel of CHANNELS) {
    const hours = form.channelQuiet[channel];
    if (hours.mode === 'none') quietHours[channel] = null;
    if (hours.mode === 'own') quietHours[channel] = { from: hours.from, to: hours.to };
  }
  return { caps, quietHours };
};

/** The contact policy: caps per channel and in total, quiet hours; where it comes from. */
export const ContactPolicyTab = () => {
  const t = useMessages(settingsMessages);
  const loaded = useLoad(() => call(settingsApi.contactPolicy), []);
  const [notice, setNotice] = useState<string | null>(null);
  if (loaded.status === 'loading') return <TabLoading />;
  if (loaded.status === 'error') return <ErrorAlert error={loaded.error} />;
  return (
    <Stack>
      <Text>{t.policy.intro}</Text>
      {notice !== null && (
        <Alert color="green" role="status" withCloseButton onClose={() => setNotice(null)}>
          {notice}
        </Alert>
      )}
      <PolicyEditor
        key={loaded.value.version}
        settings={loaded.value}
        onChanged={(message) => {
          setNotice(message);
          loaded.reload();
        }}
        onReload={() => {
          setNotice(null);
          loaded.reload();
        }}
      />
    </Stack>
  );
};

const PolicyEditor = ({
  settings,
  onChanged,
  onReload,
}: {
  readonly settings: ContactPolicySettings;
  readonly onChanged: (notice: string) => void;
  readonly onReload: () => void;
}) => {
  const t = useMessages(settingsMessages);
  const format = useFormat();
  const writable = useAuth().can('settings.write');
  const initial = formOf(settings.policy);
  const [form, setForm] = useState<PolicyForm>(initial);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirmReset, setConfirmReset] = useState(false);
  const [resetError, setResetError] = useState<unknown>(null);
  const dirty = JSON.stringify(form) !== JSON.stringify(initial);
  const fieldErrors = useFieldErrors(error);
  const conflict = error instanceof ApiError && error.reason === 'stale_version';

  const scopeName = (scope: CapScope | 'default') =>
    scope === 'default' ? t.policy.scopes.total : t.policy.scopes[scope];

  const setCap = (scope: CapScope, period: CapPeriod, value: number | string) =>
    setForm((current) => ({
      ...current,
      caps: {
        ...current.caps,
        [scope]: { ...current.caps[scope], [period]: typeof value === 'number' ? value : '' },
      },
    }));
  const setChannelQuiet = (channel: Channel, change: Partial<PolicyForm['channelQuiet'][Channel]>) =>
    setForm((current) => ({
      ...current,
      channelQuiet: { ...current.channelQuiet, [channel]: { ...current.channelQuiet[channel], ...change } },
    }));

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await call(settingsApi.updateContactPolicy, {
        body: { policy: policyOf(form), version: settings.version },
      });
      onChanged(t.policy.saved);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const reset = async () => {
    setBusy(true);
    setResetError(null);
    try {
      await call(settingsApi.resetContactPolicy);
      setConfirmReset(false);
      onChanged(t.policy.resetDone);
    } catch (caught) {
      setResetError(caught);
    } finally {
      setBusy(false);
    }
  };

  const quietError = (scope: string, end: 'from' | 'to') =>
    fieldErrors.get(`policy.quietHours.${scope}.${end}`) ??
    (end === 'from' ? fieldErrors.get(`policy.quietHours.${scope}`) : undefined);

  return (
    <Stack component="form" onSubmit={save} gap="lg">
      <Paper withBorder p="md">
        <Group justify="space-between" align="flex-start">
          <Stack gap={4}>
            <Group gap="xs">
              <Badge
                color={settings.source === 'workspace' ? 'blue' : 'gray'}
                variant="light"
                data-testid="policy-source"
              >
                {settings.source === 'workspace' ? t.policy.sourceWorkspace : t.policy.sourceConfig}
              </Badge>
              <Text size="sm" c="dimmed" data-testid="policy-version">
                {t.policy.version(settings.version)}
              </Text>
            </Group>
            <Text size="sm">
              {settings.source === 'workspace' ? t.policy.sourceWorkspaceHint : t.policy.sourceConfigHint}
            </Text>
            <Text size="sm" c="dimmed">
              {settings.updatedAt !== null && settings.updatedBy !== null
                ? t.changedBy(settings.updatedBy, format.dateTime(settings.updatedAt))
                : t.policy.neverChanged}
            </Text>
          </Stack>
          {writable && (
            <Button
              variant="default"
              color="red"
              disabled={settings.source === 'config'}
              onClick={() => {
                setResetError(null);
                setConfirmReset(true);
              }}
            >
              {t.policy.reset}
            </Button>
          )}
        </Group>
      </Paper>
      {!writable && <Alert color="gray">{t.readOnly}</Alert>}

      <Stack gap="xs">
        <Title order={3}>{t.policy.capsTitle}</Title>
        <Text size="sm" c="dimmed">
          {t.policy.capsHint}
        </Text>
        <Stack gap="sm">
          {SCOPES.map((scope) => (
            <SimpleGrid key={scope} cols={{ base: 1, sm: 3 }} spacing="md">
              {CAP_PERIODS.map((period) => (
                <NumberInput
                  key={period}
                  label={t.policy.capLabel(scopeName(scope), t.policy.periods[period])}
                  placeholder={t.policy.noCap}
                  value={form.caps[scope][period]}
                  onChange={(value) => setCap(scope, period, value)}
                  min={0}
                  allowDecimal={false}
                  allowNegative={false}
                  disabled={!writable}
                  error={fieldErrors.get(`policy.caps.${scope}.${period}`)}
                />
              ))}
            </SimpleGrid>
          ))}
        </Stack>
      </Stack>

      <Stack gap="xs">
        <Title order={3}>{t.policy.quietTitle}</Title>
        <Text size="sm" c="dimmed">
          {t.policy.quietHint}
        </Text>
        <Switch
          label={t.policy.defaultQuiet}
          checked={form.defaultQuiet.enabled}
          disabled={!writable}
          onChange={(event) => {
            const enabled = event.currentTarget.checked;
            setForm((current) => ({ ...current, defaultQuiet: { ...current.defaultQuiet, enabled } }));
          }}
        />
        {form.defaultQuiet.enabled && (
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="md">
            <TextInput
              type="time"
              label={t.policy.from(scopeName('default'))}
              value={form.defaultQuiet.from}
              disabled={!writable}
              required
              onChange={(event) => {
                const from = event.currentTarget.value;
                setForm((current) => ({ ...current, defaultQuiet: { ...current.defaultQuiet, from } }));
              }}
              error={quietError('default', 'from')}
            />
            <TextInput
              type="time"
              label={t.policy.to(scopeName('default'))}
              value={form.defaultQuiet.to}
              disabled={!writable}
              required
              onChange={(event) => {
                const to = event.currentTarget.value;
                setForm((current) => ({ ...current, defaultQuiet: { ...current.defaultQuiet, to } }));
              }}
              error={quietError('default', 'to')}
            />
          </SimpleGrid>
        )}
        {CHANNELS.map((channel) => {
          const hours = form.channelQuiet[channel];
          return (
            <SimpleGrid key={channel} cols={{ base: 1, sm: 3 }} spacing="md">
              <Select
                label={t.policy.channelQuiet(scopeName(channel))}
                data={QUIET_MODES.map((mode) => ({ value: mode, label: t.policy.quietModes[mode] }))}
                value={hours.mode}
                allowDeselect={false}
                disabled={!writable}
                onChange={(value) => {
                  if (isQuietMode(value)) setChannelQuiet(channel, { mode: value });
                }}
                error={hours.mode === 'own' ? undefined : fieldErrors.get(`policy.quietHours.${channel}`)}
              />
              {hours.mode === 'own' && (
                <>
                  <TextInput
                    type="time"
                    label={t.policy.from(scopeName(channel))}
                    value={hours.from}
                    disabled={!writable}
                    required
                    onChange={(event) => setChannelQuiet(channel, { from: event.currentTarget.value })}
                    error={quietError(channel, 'from')}
                  />
                  <TextInput
                    type="time"
                    label={t.policy.to(scopeName(channel))}
                    value={hours.to}
                    disabled={!writable}
                    required
                    onChange={(event) => setChannelQuiet(channel, { to: event.currentTarget.value })}
                    error={quietError(channel, 'to')}
                  />
                </>
              )}
            </SimpleGrid>
          );
        })}
      </Stack>

      {conflict ? (
        <Alert color="orange" role="alert" title={t.policy.conflict}>
          <Button mt="xs" variant="light" onClick={onReload}>
            {t.policy.reload}
          </Button>
        </Alert>
      ) : (
        <SettingsError error={error} />
      )}
      {writable && (
        <Group>
          <Button type="submit" loading={busy} disabled={!dirty}>
            {t.policy.save}
          </Button>
          <Button
            variant="default"
            disabled={!dirty || busy}
            onClick={() => {
              setForm(initial);
              setError(null);
            }}
          >
            {t.policy.discard}
          </Button>
          {dirty && (
            <Text size="sm" c="orange" data-testid="policy-dirty">
              {t.policy.unsaved}
            </Text>
          )}
        </Group>
      )}
      <ConfirmModal
        opened={confirmReset}
        title={t.policy.resetTitle}
        confirmLabel={t.policy.reset}
        busy={busy}
        error={resetError}
        onConfirm={() => void reset()}
        onClose={() => setConfirmReset(false)}
      >
        {t.policy.resetText}
      </ConfirmModal>
    </Stack>
  );
};
