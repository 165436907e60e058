import {
  Alert,
  Anchor,
  Button,
  Center,
  Checkbox,
  Grid,
  Group,
  List,
  Loader,
  NumberInput,
  Paper,
  Radio,
  Select,
  Stack,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { DELIVERY_CHANNELS, type DeliveryChannel, OFFER_KINDS, type Offer } from '@opencvm/core';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../../api/client.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorAlert, useIssueText } from '../../components/error-alert.tsx';
import type { Issue } from '../../components/error-text.ts';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useMessages } from '../../i18n/i18n.tsx';
import { offersMessages } from '../../i18n/offers-messages.ts';
import { issuesOf, offerApi } from './offer-api.ts';

type EligibilityType = 'everyone' | 'segment' | 'rule';

interface OfferDraft {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly kind: Offer['kind'];
  readonly validFrom: string;
  readonly validTo: string;
  readonly value: string;
  readonly cost: string;
  readonly expectedValue: string;
  readonly priority: number | string;
  readonly cooldownDays: number | string;
  readonly channels: readonly DeliveryChannel[];
  readonly eligibility: EligibilityType;
  readonly segment: string | null;
  readonly rule: string;
}

const todayText = (): string => {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
};

const EMPTY: OfferDraft = {
  id: '',
  name: '',
  description: '',
  kind: 'discount',
  validFrom: todayText(),
  validTo: '',
  value: '',
  cost: '',
  expectedValue: '',
  priority: 500,
  cooldownDays: 30,
  channels: ['sms'],
  eligibility: 'everyone',
  segment: null,
  rule: '',
};

const draftOf = (offer: Offer): OfferDraft => ({
  id: offer.id,
  name: offer.name,
  description: offer.description ?? '',
  kind: offer.kind,
  validFrom: offer.validFrom,
  validTo: offer.validTo ?? '',
  value: offer.value,
  cost: offer.cost,
  expectedValue: offer.expectedValue,
  priority: offer.priority,
  cooldownDays: offer.cooldownDays,
  channels: offer.channels,
  eligibility: offer.eligibility === undefined ? 'everyone' : offer.eligibility.type,
  segment: offer.eligibility?.type === 'segment' ? offer.eligibility.segment : null,
  rule: offer.eligibility?.type === 'rule' ? JSON.stringify(offer.eligibility.rule, null, 2) : '',
});

const isKind = (value: string | null): value is Offer['kind'] => OFFER_KINDS.some((kind) => kind === value);
const isChannel = (value: string): value is DeliveryChannel =>
  DELIVERY_CHANNELS.some((channel) => channel === value);
const isEligibility = (value: string): value is EligibilityType =>
  value === 'everyone' || value === 'segment' || value === 'rule';

/** The body the API takes; a rule that is not JSON is reported at its field before sending. */
const bodyOf = (
  draft: OfferDraft,
  ruleNotJson: string,
): { body: Record<string, unknown> } | { issue: Issue } => {
  let eligibility: unknown;
  if (draft.eligibility === 'segment') eligibility = { type: 'segment', segment: draft.segment ?? '' };
  if (draft.eligibility === 'rule') {
    try {
      eligibility = { type: 'rule', rule: JSON.parse(draft.rule) };
    } catch {
      return { issue: { path: 'eligibility.rule', message: ruleNotJson } };
    }
  }
  return {
    body: {
      id: draft.id,
      name: draft.name,
      ...(draft.description === '' ? {} : { description: draft.description }),
      kind: draft.kind,
      validFrom: draft.validFrom,
      ...(draft.validTo === '' ? {} : { validTo: draft.validTo }),
      value: draft.value,
      cost: draft.cost,
      expectedValue: draft.expectedValue,
      priority: draft.priority,
      cooldownDays: draft.cooldownDays,
      channels: draft.channels,
      ...(eligibility === undefined ? {} : { eligibility }),
    },
  };
};

/** The fields the form shows; an issue under any other path is listed above the buttons. */
const FIELDS = [
  'id',
  'name',
  'description',
  'kind',
  'validFrom',
  'validTo',
  'value',
  'cost',
  'expectedValue',
  'priority',
  'cooldownDays',
  'channels',
  'eligibility',
] as const;

const under = (path: string, field: string): boolean =>
  path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);

const Form = ({ initial, existing }: { readonly initial: OfferDraft; readonly existing: boolean }) => {
  const t = useMessages(offersMessages);
  const navigate = useNavigate();
  const mayWrite = useAuth().can('offers.write');
  const segments = useLoad(() => offerApi.segments(), []);
  const workspace = useLoad(() => offerApi.workspace(), []);
  const currency = workspace.status === 'ready' ? workspace.value.workspace.currency : '';
  const [draft, setDraft] = useState<OfferDraft>(initial);
  const [issues, setIssues] = useState<readonly Issue[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const issueText = useIssueText();

  const set = <K extends keyof OfferDraft>(key: K, value: OfferDraft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));
  const fieldError = (field: string): string | null => {
    const found = issues.filter((issue) => under(issue.path, field));
    if (found.length === 0) return null;
    return found
      .map((issue) => (issue.path === field ? issueText(issue) : `${issue.path}: ${issueText(issue)}`))
      .join('; ');
  };
  const others = issues.filter((issue) => !FIELDS.some((field) => under(issue.path, field)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const built = bodyOf(draft, t.form.ruleNotJson);
    if ('issue' in built) {
      setIssues([built.issue]);
      return;
    }
    setIssues([]);
    setBusy(true);
    try {
      if (existing) await offerApi.update(draft.id, built.body);
      else await offerApi.create(built.body);
      navigate('/offers');
    } catch (caught) {
      const found = issuesOf(caught);
      setIssues(found);
      // A refusal without field paths (a conflict, a lost session) is shown whole.
      if (found.length === 0 || !(caught instanceof ApiError) || caught.code !== 'invalid_body')
        setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const segmentOptions =
    segments.status === 'ready'
      ? segments.value.map((segment) => ({ value: segment.id, label: `${segment.name} (${segment.id})` }))
      : [];

  return (
    <Paper
      withBorder
      p="lg"
      component="form"
      onSubmit={submit}
      aria-label={existing ? t.form.editTitle(initial.name) : t.form.createTitle}
      noValidate
    >
      <Stack>
        <Title order={3}>{existing ? t.form.editTitle(initial.name) : t.form.createTitle}</Title>
        {!mayWrite && <Alert color="gray">{t.form.readOnly}</Alert>}
        <fieldset disabled={!mayWrite || busy} style={{ border: 0, padding: 0, margin: 0 }}>
          <Grid>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <TextInput
                label={t.form.id}
                description={t.form.idHint}
                value={draft.id}
                onChange={(event) => set('id', event.currentTarget.value)}
                error={fieldError('id')}
                readOnly={existing}
                required
                autoComplete="off"
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 8 }}>
              <TextInput
                label={t.form.name}
                value={draft.name}
                onChange={(event) => set('name', event.currentTarget.value)}
                error={fieldError('name')}
                required
                maxLength={200}
              />
            </Grid.Col>
            <Grid.Col span={12}>
              <Textarea
                label={t.form.description}
                value={draft.description}
                onChange={(event) => set('description', event.currentTarget.value)}
                error={fieldError('description')}
                autosize
                minRows={2}
                maxLength={2000}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <Select
                label={t.form.kind}
                data={OFFER_KINDS.map((kind) => ({ value: kind, label: t.kinds[kind] }))}
                value={draft.kind}
                onChange={(value) => {
                  if (isKind(value)) set('kind', value);
                }}
                error={fieldError('kind')}
                allowDeselect={false}
                required
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <TextInput
                type="date"
                label={t.form.validFrom}
                value={draft.validFrom}
                onChange={(event) => set('validFrom', event.currentTarget.value)}
                error={fieldError('validFrom')}
                required
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <TextInput
                type="date"
                label={t.form.validTo}
                description={t.form.validToHint}
                value={draft.validTo}
                onChange={(event) => set('validTo', event.currentTarget.value)}
                error={fieldError('validTo')}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <TextInput
                label={t.form.value}
                description={t.form.valueHint}
                value={draft.value}
                onChange={(event) => set('value', event.currentTarget.value)}
                error={fieldError('value')}
                inputMode="decimal"
                rightSection={currency}
                rightSectionWidth={50}
                required
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <TextInput
                label={t.form.cost}
                value={draft.cost}
                onChange={(event) => set('cost', event.currentTarget.value)}
                error={fieldError('cost')}
                inputMode="decimal"
                rightSection={currency}
                rightSectionWidth={50}
                required
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <TextInput
                label={t.form.expectedValue}
                description={t.form.expectedValueHint}
                value={draft.expectedValue}
                onChange={(event) => set('expectedValue', event.currentTarget.value)}
                error={fieldError('expectedValue')}
                inputMode="decimal"
                rightSection={currency}
                rightSectionWidth={50}
                required
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <NumberInput
                label={t.form.priority}
                description={t.form.priorityHint}
                value={draft.priority}
                onChange={(value) => set('priority', value)}
                error={fieldError('priority')}
                min={0}
                max={1000}
                allowDecimal={false}
                required
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <NumberInput
                label={t.form.cooldownDays}
                description={t.form.cooldownHint}
                value={draft.cooldownDays}
                onChange={(value) => set('cooldownDays', value)}
                error={fieldError('cooldownDays')}
                min={0}
                max={3650}
                allowDecimal={false}
                required
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <Checkbox.Group
                label={t.form.channels}
                value={[...draft.channels]}
                onChange={(values) => set('channels', values.filter(isChannel))}
                error={fieldError('channels')}
                required
              >
                <Group mt="xs">
                  {DELIVERY_CHANNELS.map((channel) => (
                    <Checkbox key={channel} value={channel} label={t.channels[channel]} />
                  ))}
                </Group>
              </Checkbox.Group>
            </Grid.Col>
            <Grid.Col span={12}>
              <Radio.Group
                label={t.form.eligibility}
                value={draft.eligibility}
                onChange={(value) => {
                  if (isEligibility(value)) set('eligibility', value);
                }}
                error={draft.eligibility === 'everyone' ? fieldError('eligibility') : null}
              >
                <Group mt="xs">
                  {(['everyone', 'segment', 'rule'] as const).map((type) => (
                    <Radio key={type} value={type} label={t.form.eligibilityTypes[type]} />
                  ))}
                </Group>
              </Radio.Group>
            </Grid.Col>
            {draft.eligibility === 'segment' && (
              <Grid.Col span={{ base: 12, md: 6 }}>
                <Select
                  label={t.form.segment}
                  placeholder={t.form.segmentPlaceholder}
                  data={segmentOptions}
                  value={draft.segment}
                  onChange={(value) => set('segment', value)}
                  error={fieldError('eligibility')}
                  searchable
                  required
                />
              </Grid.Col>
            )}
            {draft.eligibility === 'rule' && (
              <Grid.Col span={12}>
                <Textarea
                  label={t.form.rule}
                  description={t.form.ruleHint}
                  value={draft.rule}
                  onChange={(event) => set('rule', event.currentTarget.value)}
                  error={fieldError('eligibility')}
                  autosize
                  minRows={4}
                  styles={{ input: { fontFamily: 'monospace' } }}
                  required
                />
              </Grid.Col>
            )}
          </Grid>
        </fieldset>
        {others.length > 0 && (
          <Alert color="red" title={t.form.otherIssues} role="alert">
            <List size="sm">
              {others.map((issue) => (
                <List.Item key={`${issue.path}:${issue.message}`}>
                  {issue.path}: {issueText(issue)}
                </List.Item>
              ))}
            </List>
          </Alert>
        )}
        <ErrorAlert error={error} />
        <Group justify="flex-end">
          <Button variant="default" component={Link} to="/offers">
            {t.form.cancel}
          </Button>
          {mayWrite && (
            <Button type="submit" loading={busy}>
              {t.form.save}
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
};

/** `/offers/new`. */
export const OfferCreate = () => <Form initial={EMPTY} existing={false} />;

/** `/offers/edit/:id`: the stored offer in the same form. */
export const OfferEdit = () => {
  const t = useMessages(offersMessages);
  const c = useMessages(commonMessages);
  const id = useParams().id ?? '';
  const stored = useLoad(() => offerApi.get(id), [id]);
  if (stored.status === 'loading')
    return (
      <Center p="xl">
        <Loader aria-label={c.loading} />
      </Center>
    );
  if (stored.status === 'error')
    return (
      <Stack>
        <Anchor component={Link} to="/offers">
          ← {t.tabs.catalog}
        </Anchor>
        {stored.error instanceof ApiError && stored.error.status === 404 ? (
          <Alert color="gray">{t.form.notFound(id)}</Alert>
        ) : (
          <ErrorAlert error={stored.error} />
        )}
      </Stack>
    );
  return <Form key={stored.value.updatedAt} initial={draftOf(stored.value.offer)} existing />;
};
