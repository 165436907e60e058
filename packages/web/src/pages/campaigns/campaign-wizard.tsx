import {
  Alert,
  Anchor,
  Button,
  Card,
  Center,
  Group,
  Loader,
  Stack,
  Stepper,
  Text,
  Title,
} from '@mantine/core';
import type { ReactNode } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { ApiError } from '../../api/client.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { campaignsMessages } from '../../i18n/campaigns-messages.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { campaignApi, type SchemaView, type StoredCampaign } from './campaign-api.ts';
import { type CampaignForm, emptyForm, formOf, STEP_KEYS, stepOf } from './campaign-form.ts';
import { StatusBadge } from './campaign-parts.tsx';
import { AudienceStep } from './wizard/audience-step.tsx';
import { ContentStep } from './wizard/content-step.tsx';
import { ControlStep } from './wizard/control-step.tsx';
import { IssueList } from './wizard/issue-list.tsx';
import { OffersStep } from './wizard/offers-step.tsx';
import { PolicyStep } from './wizard/policy-step.tsx';
import { ScheduleStep } from './wizard/schedule-step.tsx';
import type { StepProps } from './wizard/step-props.ts';
import { SubmitStep } from './wizard/submit-step.tsx';
import { useWizardState } from './wizard/use-wizard-state.ts';

/** The scenario's offer the gallery created on the way here, told once (router state). */
const createdOfferOf = (state: unknown): string | null =>
  typeof state === 'object' &&
  state !== null &&
  'offerCreated' in state &&
  typeof state.offerCreated === 'string'
    ? state.offerCreated
    : null;

/** The wizard's frame: title and draft state, the stepper, the step shown, and the moves between steps. */
const Wizard = ({
  initial,
  initialStored,
  schema,
}: {
  readonly initial: CampaignForm;
  readonly initialStored: StoredCampaign | null;
  readonly schema: SchemaView | null;
}) => {
  const t = useMessages(campaignsMessages);
  const format = useFormat();
  const navigate = useNavigate();
  const location = useLocation();
  const wizard = useWizardState({ initial, initialStored, t });
  const { form, update, issues, stored, dirty, active, setActive, funnel, error, busy, canWrite } = wizard;
  const createdOffer = createdOfferOf(location.state);

  const stepProps: StepProps = { form, update, issues, t };
  const stepHasIssues = (step: number) => issues.some((issue) => stepOf(issue.path) === step);
  const body: Record<(typeof STEP_KEYS)[number], ReactNode> = {
    audience: <AudienceStep {...stepProps} isNew={initialStored === null && stored === null} />,
    offers: <OffersStep {...stepProps} />,
    content: <ContentStep {...stepProps} defaultLocale={schema?.workspace.defaultLocale ?? 'en'} />,
    schedule: <ScheduleStep {...stepProps} schema={schema} />,
    control: (
      <ControlStep
        {...stepProps}
        schema={schema}
        audienceSize={wizard.audienceSize ?? funnel?.audience ?? null}
        setAudienceSize={wizard.setAudienceSize}
      />
    ),
    policy: (
      <PolicyStep
        t={t}
        saved={wizard.saved}
        campaignId={stored?.campaign.id ?? ''}
        funnel={funnel}
        setFunnel={wizard.setFunnel}
      />
    ),
    submit: <SubmitStep wizard={wizard} t={t} />,
  };

  return (
    <Stack>
      <Anchor component={Link} to={stored === null ? '/campaigns' : `/campaigns/${stored.campaign.id}`}>
        ← {stored === null ? t.backToList : t.openCampaign}
      </Anchor>
      <Group justify="space-between">
        <Group gap="sm">
          <Title order={2}>{stored === null ? t.wizardNew : t.wizardEdit(stored.campaign.name)}</Title>
          {stored !== null && <StatusBadge status={stored.campaign.status} />}
        </Group>
        <Text size="sm" c={dirty ? 'orange.8' : 'dimmed'} data-testid="draft-state">
          {stored === null
            ? t.notSavedYet
            : dirty
              ? t.unsaved
              : t.savedVersion(format.integer(stored.version))}
        </Text>
      </Group>
      {createdOffer !== null && (
        <Alert
          color="blue"
          withCloseButton
          onClose={() => navigate(location.pathname, { replace: true, state: null })}
        >
          {t.offerCreatedNote(createdOffer)}
        </Alert>
      )}
      <Stepper active={active} onStepClick={setActive} size="sm" wrap>
        {STEP_KEYS.map((key, index) => (
          <Stepper.Step key={key} label={t.steps[key]} {...(stepHasIssues(index) ? { color: 'red' } : {})} />
        ))}
      </Stepper>
      <Card withBorder padding="lg">
        <Stack>
          <Title order={3}>{t.steps[STEP_KEYS[active] ?? 'audience']}</Title>
          {wizard.earlier.length > 0 && (
            <IssueList
              title={t.earlierStepIssues}
              issues={wizard.earlier}
              color="red"
              t={t}
              goTo={setActive}
            />
          )}
          {wizard.later.length > 0 && wizard.savesOnNext && (
            <IssueList title={t.laterStepIssues} issues={wizard.later} color="blue" t={t} goTo={setActive} />
          )}
          {body[STEP_KEYS[active] ?? 'audience']}
        </Stack>
      </Card>
      {error instanceof ApiError && error.code === 'conflict' && error.reason === 'stale_version' ? (
        <Alert color="orange" role="alert">
          {t.conflict}
        </Alert>
      ) : (
        <ErrorAlert error={error} />
      )}
      <Group justify="space-between">
        <Button variant="default" onClick={wizard.goBack} disabled={active === 0}>
          {t.back}
        </Button>
        <Group>
          {canWrite && (
            <Button
              variant="light"
              onClick={() => void wizard.save(active)}
              loading={busy === 'save'}
              disabled={!dirty && stored !== null}
            >
              {t.save}
            </Button>
          )}
          {active < STEP_KEYS.length - 1 && (
            <Button onClick={() => void wizard.goNext()} loading={busy === 'save'}>
              {dirty && canWrite && wizard.savesOnNext ? t.saveAndNext : t.next}
            </Button>
          )}
        </Group>
      </Group>
    </Stack>
  );
};

/** The wizard for a new campaign (`/campaigns/new`) or a draft (`/campaigns/:id/edit`). */
export const CampaignWizard = () => {
  const t = useMessages(campaignsMessages);
  const c = useMessages(commonMessages);
  const { id } = useParams();
  const auth = useAuth();
  const loaded = useLoad(async () => {
    const [schema, stored] = await Promise.all([
      campaignApi.schema().catch(() => null),
      id === undefined ? Promise.resolve(null) : campaignApi.show(id),
    ]);
    return { schema, stored };
  }, [id]);

  if (!auth.can('campaigns.write')) return <Text>{c.notAllowed}</Text>;
  if (loaded.status === 'loading')
    return (
      <Center p="xl">
        <Loader aria-label={c.loading} />
      </Center>
    );
  if (loaded.status === 'error') return <ErrorAlert error={loaded.error} />;
  const { schema, stored } = loaded.value;
  if (stored !== null && stored.campaign.status !== 'draft')
    return (
      <Stack>
        <Alert color="yellow">{t.notDraft}</Alert>
        <Anchor component={Link} to={`/campaigns/${stored.campaign.id}`}>
          {t.openCampaign}
        </Anchor>
      </Stack>
    );
  const initial =
    stored === null
      ? emptyForm({
          defaultLocale: schema?.workspace.defaultLocale ?? 'en',
          goalEvent: Object.keys(schema?.events ?? {})[0] ?? '',
        })
      : formOf(stored.campaign);
  return (
    <Wizard key={stored?.campaign.id ?? 'new'} initial={initial} initialStored={stored} schema={schema} />
  );
};
