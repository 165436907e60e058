import { WorkspaceSchema } from '@opencvm/core';
import { screen } from '@testing-library/react';
import { type ReactNode, useState } from 'react';
import { describe, expect, it } from 'vitest';
import { campaignsMessages } from '../src/i18n/campaigns-messages.ts';
import type { Locale } from '../src/i18n/i18n.tsx';
import { type CampaignForm, emptyForm } from '../src/pages/campaigns/campaign-form.ts';
import { ContentStep } from '../src/pages/campaigns/wizard/content-step.tsx';
import { ControlStep } from '../src/pages/campaigns/wizard/control-step.tsx';
import { MdeCard } from '../src/pages/campaigns/wizard/mde-card.tsx';
import { OffersStep } from '../src/pages/campaigns/wizard/offers-step.tsx';
import { ScheduleStep } from '../src/pages/campaigns/wizard/schedule-step.tsx';
import type { StepProps, Update } from '../src/pages/campaigns/wizard/step-props.ts';
import { fakeApi, ok } from './fake-api.ts';
import { renderUi } from './render-ui.tsx';

/** The workspace schema as the API answers it: parsed, so every field a page may read is there. */
const schemaView = WorkspaceSchema.parse({
  workspace: { name: 'Test', currency: 'RUB', defaultLocale: 'en', timezone: 'Europe/Moscow' },
  events: { purchase: { amount: true }, top_up: { amount: true } },
});

const newForm = (changes: Partial<CampaignForm> = {}): CampaignForm => ({
  ...emptyForm({ defaultLocale: 'en', goalEvent: 'purchase' }),
  ...changes,
});

/** A step with the form in state, as the wizard holds it. */
const WithForm = (props: {
  readonly initial: CampaignForm;
  readonly locale: Locale;
  readonly step: (props: StepProps) => ReactNode;
}) => {
  const [form, setForm] = useState(props.initial);
  const update: Update = (key, value) => setForm((current) => ({ ...current, [key]: value }));
  return props.step({ form, update, issues: [], t: campaignsMessages[props.locale] });
};

const renderStep = (
  step: (props: StepProps) => ReactNode,
  options: { readonly form?: CampaignForm; readonly locale?: Locale } = {},
) => {
  const locale = options.locale ?? 'en';
  return renderUi(<WithForm initial={options.form ?? newForm()} locale={locale} step={step} />, { locale });
};

const noCounter = { busy: false, error: null, count: async () => {} };

describe('the minimum detectable effect', () => {
  it('shows the effect it is given, for the audience and control group, and warns of a smaller lift', () => {
    fakeApi({});
    renderUi(
      <MdeCard
        t={campaignsMessages.en}
        mayPlan
        share={10}
        lift={5}
        audienceSize={20_000}
        plan={{ value: { mde: { absolute: 0.012, relative: 0.24 } }, error: null }}
        counter={noCounter}
      />,
    );
    expect(screen.getByTestId('mde').textContent).toBe('1.2 percentage points absolute, 24% relative lift');
    expect(screen.getByText('for 20,000 customers with 10% in control')).toBeDefined();
    expect(
      screen.getByText(/The planned lift \(5%\) is smaller than the detectable effect \(24%\)/),
    ).toBeDefined();
  });

  it('says it in Russian, with Russian numbers', () => {
    fakeApi({});
    renderUi(
      <MdeCard
        t={campaignsMessages.ru}
        mayPlan
        share={10}
        lift={30}
        audienceSize={20_000}
        plan={{ value: { mde: { absolute: 0.012, relative: 0.24 } }, error: null }}
        counter={noCounter}
      />,
      { locale: 'ru' },
    );
    expect(screen.getByTestId('mde').textContent).toMatch(
      /^1,2 п\. п\. в абсолютном выражении, относительный прирост 24\s%$/,
    );
    expect(screen.getByText('Минимальный обнаружимый эффект')).toBeDefined();
    // A planned lift above the detectable effect needs no warning.
    expect(screen.queryByText(/меньше обнаружимого/)).toBeNull();
  });

  it('asks for a control group before it can say anything', () => {
    fakeApi({});
    renderUi(
      <MdeCard
        t={campaignsMessages.en}
        mayPlan
        share={0}
        lift={5}
        audienceSize={20_000}
        plan={{ value: null, error: null }}
        counter={noCounter}
      />,
    );
    expect(
      screen.getByText('Without a control group, the effect of the campaign cannot be measured.'),
    ).toBeDefined();
    expect(screen.queryByTestId('mde')).toBeNull();
  });
});

describe('the control group step', () => {
  it('asks the API for the plan of the counted audience and its control share, and shows it', async () => {
    const sent = fakeApi({ 'POST /v1/planning': ok({ mde: { absolute: 0.005, relative: 0.1 } }) });
    renderStep((props) => (
      <ControlStep {...props} schema={schemaView} audienceSize={50_000} setAudienceSize={() => {}} />
    ));
    expect((await screen.findByTestId('mde')).textContent).toBe(
      '0.5 percentage points absolute, 10% relative lift',
    );
    expect(sent.find((request) => request.path === '/v1/planning')?.body).toEqual({
      baseRate: 0.05,
      audience: 50_000,
      controlShare: 10,
    });
  });

  it('counts the audience when it is not known yet, and plans for that count', async () => {
    const sent = fakeApi({
      'GET /v1/segments/loyal/count': ok({ count: 8000 }),
      'POST /v1/planning': ok({ mde: { absolute: 0.01, relative: 0.2 } }),
    });
    const Counted = (props: StepProps) => {
      const [size, setSize] = useState<number | null>(null);
      return <ControlStep {...props} schema={schemaView} audienceSize={size} setAudienceSize={setSize} />;
    };
    const { user } = renderStep((props) => <Counted {...props} />, { form: newForm({ segment: 'loyal' }) });
    await user.click(await screen.findByRole('button', { name: 'Count the audience' }));
    expect(await screen.findByText('for 8,000 customers with 10% in control')).toBeDefined();
    expect(sent.find((request) => request.path === '/v1/planning')?.body).toMatchObject({ audience: 8000 });
  });
});

describe('the content step', () => {
  it('asks for the fields of the chosen channel, in each language added', async () => {
    fakeApi({});
    const { user } = renderStep((props) => <ContentStep {...props} defaultLocale="en" />);
    expect(screen.getByRole('textbox', { name: 'SMS text (en)' })).toBeDefined();
    await user.click(screen.getByRole('combobox', { name: 'Channel' }));
    await user.click(screen.getByRole('option', { name: 'E-mail' }));
    expect(screen.getByRole('textbox', { name: 'Subject (en)' })).toBeDefined();
    expect(screen.getByRole('textbox', { name: 'HTML body (en)' })).toBeDefined();
    expect(screen.getByRole('textbox', { name: 'Plain-text body (en)' })).toBeDefined();
    expect(screen.queryByRole('textbox', { name: 'SMS text (en)' })).toBeNull();

    await user.type(screen.getByRole('textbox', { name: 'Language tag' }), 'ru');
    await user.click(screen.getByRole('button', { name: 'Add language' }));
    expect(screen.getByRole('tab', { name: 'ru' })).toBeDefined();
    expect(screen.getByRole('textbox', { name: 'Subject (ru)' })).toBeDefined();
    expect(screen.getByRole('button', { name: 'Remove ru' })).toBeDefined();
  });
});

describe('the schedule step', () => {
  it('asks for a cron expression for a recurring campaign, filled in by a quick choice', async () => {
    fakeApi({});
    const { user } = renderStep((props) => <ScheduleStep {...props} schema={schemaView} />);
    expect(screen.getByLabelText('Date and time')).toBeDefined();
    await user.click(screen.getByRole('radio', { name: 'Recurring' }));
    expect(screen.queryByLabelText('Date and time')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Mondays at 11:00' }));
    expect(screen.getByRole('textbox', { name: 'Cron expression' })).toHaveProperty('value', '0 11 * * MON');
  });
});

describe('the offers step', () => {
  const offer = {
    offer: {
      id: 'bonus_500',
      name: 'Bonus 500',
      kind: 'bonus',
      eligibility: { type: 'segment', segment: 'prepaid' },
      validFrom: '2026-01-01',
      value: '500',
      cost: '50',
      expectedValue: '20',
      priority: 500,
      cooldownDays: 30,
      channels: ['sms'],
    },
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };

  it('warns before approval when nobody of the audience is eligible for the chosen offers', async () => {
    const sent = fakeApi({
      'GET /v1/offers?limit=1000': ok({ items: [offer], nextCursor: null }),
      'POST /v1/segments:count': ok({ count: 0 }),
    });
    renderStep((props) => <OffersStep {...props} />, {
      form: newForm({ segment: 'loyal', offers: ['bonus_500'] }),
    });
    expect((await screen.findByTestId('nobody-eligible')).textContent).toContain('Nobody would be eligible');
    expect(screen.getByRole('table', { name: 'Offers' })).toBeDefined();
    expect(sent.find((request) => request.path === '/v1/segments:count')?.body).toEqual({
      rule: {
        type: 'and',
        rules: [
          { type: 'segment', segment: 'loyal' },
          { type: 'or', rules: [{ type: 'segment', segment: 'prepaid' }] },
        ],
      },
    });
  });

  it('tells how many are eligible when some are', async () => {
    fakeApi({
      'GET /v1/offers?limit=1000': ok({ items: [offer], nextCursor: null }),
      'POST /v1/segments:count': ok({ count: 1250 }),
    });
    renderStep((props) => <OffersStep {...props} />, {
      form: newForm({ segment: 'loyal', offers: ['bonus_500'] }),
    });
    expect((await screen.findByTestId('eligible-count')).textContent).toBe(
      '1,250 customers of the audience are eligible for the chosen offers now.',
    );
  });
});
