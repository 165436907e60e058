import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  List,
  Modal,
  NativeSelect,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { campaignsMessages } from '../../i18n/campaigns-messages.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useFormat, useLocale, useMessages } from '../../i18n/i18n.tsx';
import { journeysMessages } from '../../i18n/journeys-messages.ts';
import { type JourneyTemplateEntry, journeyApi } from './journey-api.ts';

const Gallery = () => {
  const t = useMessages(journeysMessages);
  const common = useMessages(commonMessages);
  const { locale } = useLocale();
  const navigate = useNavigate();
  const templates = useLoad(() => journeyApi.templates(), []);
  const [chosen, setChosen] = useState<JourneyTemplateEntry | null>(null);
  const [id, setId] = useState('');
  const [language, setLanguage] = useState<'en' | 'ru'>(locale);
  const [error, setError] = useState<unknown>(null);
  if (templates.status === 'loading') return <Text>{common.loading}</Text>;
  if (templates.status === 'error') return <ErrorAlert error={templates.error} />;
  return (
    <Stack>
      <Text size="sm">{t.galleryIntro}</Text>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {templates.value.map((template) => (
          <Card key={template.key} withBorder data-testid={`journey-template-${template.key}`}>
            <Stack gap="xs">
              <Group justify="space-between">
                <Title order={4}>{template.name[locale] ?? template.key}</Title>
                <Badge color={template.available ? 'green' : 'gray'}>
                  {template.available ? t.fits : t.doesNotFit}
                </Badge>
              </Group>
              <Text size="sm">{template.description[locale] ?? ''}</Text>
              <Text size="xs" c="dimmed">
                {t.requires}{' '}
                {[...template.requires.eventTypes, ...template.requires.customerAttributes].join(', ')}
              </Text>
              {!template.available && (
                <>
                  <Text size="xs">{t.whyNot}</Text>
                  <List size="xs">
                    {template.issues.map((issue) => (
                      <List.Item key={`${issue.path}:${issue.message}`}>
                        {issue.path}: {issue.message}
                      </List.Item>
                    ))}
                  </List>
                </>
              )}
              <Button
                disabled={!template.available}
                onClick={() => {
                  setChosen(template);
                  setId(template.key);
                  setError(null);
                }}
              >
                {t.useScenario}
              </Button>
            </Stack>
          </Card>
        ))}
      </SimpleGrid>
      <Modal
        opened={chosen !== null}
        onClose={() => setChosen(null)}
        title={chosen === null ? '' : t.fromTemplateTitle(chosen.name[locale] ?? chosen.key)}
      >
        <Stack>
          <TextInput
            label={t.journeyId}
            description={t.journeyIdHint}
            value={id}
            onChange={(event) => setId(event.currentTarget.value)}
          />
          <NativeSelect
            label={t.contentLanguage}
            value={language}
            data={[
              { value: 'en', label: common.languages.en },
              { value: 'ru', label: common.languages.ru },
            ]}
            onChange={(event) => setLanguage(event.currentTarget.value === 'ru' ? 'ru' : 'en')}
          />
          <ErrorAlert error={error} />
          <Button
            onClick={() => {
              if (chosen === null) return;
              journeyApi.fromTemplate(chosen.key, { id, locale: language }).then(
                (view) => navigate(`/journeys/${view.journey.id}`),
                (refused: unknown) => setError(refused),
              );
            }}
          >
            {common.create}
          </Button>
        </Stack>
      </Modal>
    </Stack>
  );
};

const NewJourney = ({ opened, onClose }: { readonly opened: boolean; readonly onClose: () => void }) => {
  const t = useMessages(journeysMessages);
  const common = useMessages(commonMessages);
  const navigate = useNavigate();
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <Modal opened={opened} onClose={onClose} title={t.newTitle}>
      <Stack>
        <TextInput
          label={t.journeyId}
          description={t.journeyIdHint}
          value={id}
          onChange={(event) => setId(event.currentTarget.value)}
        />
        <TextInput
          label={t.journeyName}
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
        />
        <ErrorAlert error={error} />
        <Button
          onClick={() =>
            journeyApi
              .create({
                id,
                name,
                entry: { type: 'event', eventType: 'app_open' },
                nodes: [],
                goal: { eventType: 'purchase', kpi: 'conversion' },
                // The middle of the range and the usual purpose; both are changed in the settings.
                priority: 500,
                purpose: 'marketing',
              })
              .then(
                (view) => navigate(`/journeys/${view.journey.id}`),
                (refused: unknown) => setError(refused),
              )
          }
        >
          {common.create}
        </Button>
      </Stack>
    </Modal>
  );
};

/** The Journeys area's first page: every journey, the gallery and a new one. */
export const JourneyList = () => {
  const t = useMessages(journeysMessages);
  const campaignT = useMessages(campaignsMessages);
  const common = useMessages(commonMessages);
  const format = useFormat();
  const journeys = useLoad(() => journeyApi.list(), []);
  const [creating, setCreating] = useState(false);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t.title}</Title>
        <Button onClick={() => setCreating(true)}>{t.newJourney}</Button>
      </Group>
      <Tabs defaultValue="journeys">
        <Tabs.List>
          <Tabs.Tab value="journeys">{t.tabs.journeys}</Tabs.Tab>
          <Tabs.Tab value="gallery">{t.tabs.gallery}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="journeys" pt="md">
          {journeys.status === 'loading' && <Text>{common.loading}</Text>}
          {journeys.status === 'error' && <ErrorAlert error={journeys.error} />}
          {journeys.status === 'ready' &&
            (journeys.value.length === 0 ? (
              <Text>{t.noJourneys}</Text>
            ) : (
              <Table aria-label={t.title}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t.columns.name}</Table.Th>
                    <Table.Th>{t.columns.id}</Table.Th>
                    <Table.Th>{t.columns.status}</Table.Th>
                    <Table.Th>{t.columns.entry}</Table.Th>
                    <Table.Th>{t.columns.issues}</Table.Th>
                    <Table.Th>{t.columns.updated}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {journeys.value.map((view) => (
                    <Table.Tr key={view.journey.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/journeys/${view.journey.id}`}>
                          {view.journey.name}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{view.journey.id}</Table.Td>
                      <Table.Td>{campaignT.statuses[view.journey.status]}</Table.Td>
                      <Table.Td>{t.entryTypes[view.journey.entry.type]}</Table.Td>
                      <Table.Td>{t.issueCount(view.issues.length)}</Table.Td>
                      <Table.Td>{format.dateTime(view.updatedAt)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            ))}
        </Tabs.Panel>
        <Tabs.Panel value="gallery" pt="md">
          <Gallery />
        </Tabs.Panel>
      </Tabs>
      <NewJourney opened={creating} onClose={() => setCreating(false)} />
    </Stack>
  );
};
