import {
  Alert,
  Button,
  Code,
  Group,
  List,
  NumberInput,
  Paper,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { campaignsApi } from '@opencvm/core';
import { useState } from 'react';
import { call } from '../../api/client.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { settingsMessages } from '../../i18n/settings-messages.ts';
import type { UcgSettings } from './settings-api.ts';
import { ConfirmModal, TabLoading, useFieldErrors } from './settings-shared.tsx';

/** The universal control group: its share, salt and past periods; a redraw for those who may. */
export const UcgTab = () => {
  const t = useMessages(settingsMessages);
  const format = useFormat();
  const writable = useAuth().can('settings.write');
  const loaded = useLoad(() => call(campaignsApi.ucg), []);
  const [rotating, setRotating] = useState<UcgSettings | null>(null);
  const [share, setShare] = useState<number | string>('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const fieldErrors = useFieldErrors(error);

  if (loaded.status === 'loading') return <TabLoading />;
  if (loaded.status === 'error') return <ErrorAlert error={loaded.error} />;
  const ucg = loaded.value;
  // Percent of customers, as the API gives it (5 → 5 %).
  const percent = (value: number) => format.percent(value / 100);

  const rotate = async () => {
    if (rotating === null) return;
    setBusy(true);
    setError(null);
    try {
      const changed = typeof share === 'number' && share !== rotating.share;
      await call(campaignsApi.rotateUcg, { body: changed ? { share } : {} });
      setRotating(null);
      setNotice(t.ucg.rotated);
      loaded.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const history = [...ucg.history].sort((a, b) => b.from.localeCompare(a.from));

  return (
    <Stack>
      <Text>{t.ucg.intro}</Text>
      {notice !== null && (
        <Alert color="green" role="status" withCloseButton onClose={() => setNotice(null)}>
          {notice}
        </Alert>
      )}
      <Paper withBorder p="md">
        <Group justify="space-between" align="flex-start">
          <Group gap="xl" align="flex-start">
            <Stack gap={2}>
              <Text size="sm" c="dimmed">
                {t.ucg.share}
              </Text>
              <Text size="xl" fw={700} data-testid="ucg-share">
                {percent(ucg.share)}
              </Text>
            </Stack>
            <Stack gap={2}>
              <Text size="sm" c="dimmed">
                {t.ucg.since}
              </Text>
              <Text size="lg">{format.dateTime(ucg.rotatedAt)}</Text>
            </Stack>
            <Stack gap={2}>
              <Text size="sm" c="dimmed">
                {t.ucg.salt}
              </Text>
              <Code data-testid="ucg-salt">{ucg.salt}</Code>
            </Stack>
          </Group>
          {writable && (
            <Button
              color="orange"
              onClick={() => {
                setError(null);
                setShare(ucg.share);
                setRotating(ucg);
              }}
            >
              {t.ucg.rotate}
            </Button>
          )}
        </Group>
      </Paper>
      {!writable && <Alert color="gray">{t.readOnly}</Alert>}

      <Title order={3}>{t.ucg.history}</Title>
      {history.length === 0 ? (
        <Text c="dimmed">{t.ucg.noHistory}</Text>
      ) : (
        <Table striped withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t.ucg.period}</Table.Th>
              <Table.Th ta="right">{t.ucg.share}</Table.Th>
              <Table.Th>{t.ucg.salt}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {history.map((period) => (
              <Table.Tr key={`${period.salt}-${period.from}`}>
                <Table.Td>
                  {format.dateTime(period.from)} – {format.dateTime(period.to)}
                </Table.Td>
                <Table.Td ta="right">{percent(period.share)}</Table.Td>
                <Table.Td>
                  <Code>{period.salt}</Code>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}

      <ConfirmModal
        opened={rotating !== null}
        title={t.ucg.rotateTitle}
        confirmLabel={t.ucg.confirmRotate}
        color="orange"
        busy={busy}
        error={error}
        onConfirm={() => void rotate()}
        onClose={() => setRotating(null)}
      >
        <Stack>
          <List spacing="xs">
            {t.ucg.rotateConsequences.map((line) => (
              <List.Item key={line}>{line}</List.Item>
            ))}
          </List>
          <NumberInput
            label={t.ucg.newShare}
            description={t.ucg.newShareHint}
            value={share}
            onChange={setShare}
            min={0}
            max={100}
            decimalScale={2}
            step={0.5}
            error={fieldErrors.get('share')}
          />
        </Stack>
      </ConfirmModal>
    </Stack>
  );
};
