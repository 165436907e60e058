import { WorkspaceSchema } from '@opencvm/core';
import { fireEvent, screen, within } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';
import type { Locale } from '../src/i18n/i18n.tsx';
import { JourneysPage } from '../src/pages/journeys/journeys-page.tsx';
import { fakeApi, ok, type SentRequest } from './fake-api.ts';
import { renderUi } from './render-ui.tsx';

const journey = (status: string) => ({
  id: 'upsell',
  name: 'Top-up up-sell',
  entry: { type: 'event', eventType: 'topup' },
  start: 'offer',
  nodes: [
    { id: 'offer', type: 'send', channel: 'sms', label: 'Data pack', position: { x: 0, y: 140 } },
    {
      id: 'ab',
      type: 'split',
      label: 'A/B',
      position: { x: 0, y: 280 },
      paths: [
        { name: 'Soon', share: 50, next: 'bye' },
        { name: 'Later', share: 50, next: 'bye' },
      ],
    },
    {
      id: 'vip',
      type: 'branch',
      position: { x: 0, y: 420 },
      branches: [
        { name: 'Rich', when: { type: 'attributes', where: [{ attribute: 'arpu', op: '>', value: 5 }] } },
      ],
    },
    { id: 'bye', type: 'exit', label: 'Done', position: { x: 0, y: 560 } },
  ],
  reEntry: { mode: 'once' },
  holdoutShare: 10,
  goal: { eventType: 'purchase', attributionDays: 3, kpi: 'conversion' },
  priority: 500,
  purpose: 'marketing',
  status,
  createdBy: 'ada',
  history: [],
});

const view = (status: string) => ({
  journey: journey(status),
  version: 3,
  createdAt: '2026-03-01T10:00:00Z',
  updatedAt: '2026-03-01T10:00:00Z',
  issues: [],
});

const arm = (group: string, n: number, converters: number) => ({
  group,
  n,
  converters,
  active: n,
  orders: converters,
  revenue: '0.00',
  revenueMean: 0,
  conversionRate: converters / n,
  averageCheck: null,
});

const comparison = (treated: number, holdout: number) => ({
  comparison: 'control',
  arms: { target: arm('target', treated, treated / 4), control: arm('control', holdout, holdout / 10) },
  metrics: {
    conversion: {
      kind: 'rate',
      test: {
        treatmentMean: 0.25,
        controlMean: 0.1,
        lift: 0.15,
        liftRelative: 1.5,
        ci: [0.08, 0.22],
        relativeCi: [0.5, 2.5],
        statistic: 3.1,
        pValue: 0.002,
      },
      incremental: { value: 13.5, ci: [7, 20] },
    },
  },
});

const FUNNEL = {
  entered: { treated: 90, holdout: 10, ucg: 2 },
  active: 40,
  left: { completed: 45, policy: 5, holdout: 10 },
  nodes: [
    { node: 'offer', reached: 90, here: 0, outcomes: { sent: 85, 'suppressed:cap:sms:day': 5 } },
    { node: 'ab', reached: 85, here: 0, outcomes: { 'path:0': 44, 'path:1': 41 } },
    { node: 'bye', reached: 45, here: 0, outcomes: {} },
  ],
};

const results = (byNode: string | null) => ({
  journeyId: 'upsell',
  kpi: 'conversion',
  attributionDays: 3,
  asOf: '2026-03-05T10:00:00Z',
  ...comparison(90, 10),
  funnel: FUNNEL,
  breakdown:
    byNode === null
      ? null
      : {
          node: byNode,
          slices: [
            { value: 'path:0', ...comparison(44, 10) },
            { value: 'path:1', ...comparison(41, 10) },
          ],
        },
});

const SCHEMA = WorkspaceSchema.parse({
  workspace: { name: 'Test', currency: 'RUB', timezone: 'Europe/Moscow' },
  customer: {
    attributes: {
      plan_type: { type: 'enum', values: ['prepaid', 'postpaid'] },
      arpu: { type: 'number' },
    },
  },
  events: { topup: { amount: true }, purchase: { amount: true } },
});
const { delivery: _delivery, ...SCHEMA_VIEW } = SCHEMA;

const OFFER = {
  offer: {
    id: 'data-20',
    name: '20 GB data pack',
    kind: 'product',
    validFrom: '2026-01-01',
    value: '300.00',
    cost: '50.00',
    expectedValue: '120.00',
    priority: 500,
    cooldownDays: 7,
    channels: ['sms'],
  },
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

const LOOKUPS = {
  'GET /v1/offers?limit=1000': ok({ items: [OFFER], nextCursor: null }),
  'GET /v1/segments?limit=1000': ok({ items: [], nextCursor: null }),
  'GET /v1/lists?limit=1000': ok({ items: [], nextCursor: null }),
  'GET /v1/workspace-schema': ok(SCHEMA_VIEW),
};

const renderEditor = (locale: Locale = 'en') =>
  renderUi(
    <Routes>
      <Route path="/journeys/*" element={<JourneysPage />} />
    </Routes>,
    { route: '/journeys/upsell', locale },
  );

const runningRoutes = () => ({
  ...LOOKUPS,
  'GET /v1/journeys/upsell': ok(view('running')),
  'GET /v1/journeys/upsell/funnel': ok(FUNNEL),
  'GET /v1/journeys/upsell/results': ok(results(null)),
  'GET /v1/journeys/upsell/results?byNode=ab': ok(results('ab')),
});

describe('a live journey’s results', () => {
  it('shows the funnel, treated against holdout with the lift and its interval, and a split’s paths', async () => {
    const sent = fakeApi(runningRoutes());
    const { user } = renderEditor();
    const found = await screen.findByTestId('journey-results');
    const entered = within(found).getByTestId('journey-entered');
    expect(entered.textContent).toContain('Treated: 90');
    expect(entered.textContent).toContain('Holdout: 10');
    expect(within(found).getByTestId('journey-active').textContent).toBe('40');
    const left = within(found).getByTestId('journey-left').textContent;
    expect(left).toContain('Completed: 45');
    expect(left).toContain('Held back by the policy: 5');
    const offer = within(found).getByTestId('funnel-step-offer');
    expect(offer.textContent).toContain('Data pack (offer)');
    expect(offer.textContent).toContain('suppressed:cap:sms:day: 5');
    expect(within(found).getByTestId('funnel-step-ab').textContent).toContain('Path "Soon": 44');

    const conversion = within(found).getByTestId('itt-conversion');
    expect(conversion.textContent).toContain('25');
    expect(conversion.textContent).toContain('+15');
    expect(conversion.textContent).toContain('+8');
    expect(conversion.textContent).toContain('+22');
    expect(within(conversion).getByText('Significant (95%)')).toBeDefined();

    await user.click(within(found).getAllByLabelText('Step')[0] as HTMLElement);
    await user.click(await screen.findByRole('option', { name: 'A/B (ab)' }));
    const soon = await within(found).findByTestId('slice-path:0');
    expect(soon.textContent).toContain('Path "Soon"');
    expect(soon.textContent).toContain('44 / 10');
    expect(sent.some((request) => request.path === '/v1/journeys/upsell/results?byNode=ab')).toBe(true);
  });

  it('fetches the counts again when asked', async () => {
    const sent = fakeApi(runningRoutes());
    const { user } = renderEditor();
    await screen.findByTestId('journey-results');
    const before = sent.filter((request) => request.path === '/v1/journeys/upsell/funnel').length;
    await user.click(screen.getByRole('button', { name: 'Refresh counts' }));
    await screen.findByTestId('journey-results');
    expect(sent.filter((request) => request.path === '/v1/journeys/upsell/funnel').length).toBe(before + 1);
  });

  it('speaks Russian', async () => {
    fakeApi(runningRoutes());
    renderEditor('ru');
    const found = await screen.findByTestId('journey-results');
    expect(within(found).getByTestId('journey-entered').textContent).toContain('Целевая: 90');
    expect(within(found).getByTestId('journey-left').textContent).toContain(
      'Задержаны контактной политикой: 5',
    );
    expect(within(found).getByRole('heading', { name: 'Результаты' })).toBeDefined();
  });

  it('is not shown on a draft', async () => {
    fakeApi({ ...LOOKUPS, 'GET /v1/journeys/upsell': ok(view('draft')) });
    renderEditor();
    await screen.findByTestId('journey-node-offer');
    expect(screen.queryByTestId('journey-results')).toBeNull();
  });
});

describe('the side panel', () => {
  const draftRoutes = () => ({
    ...LOOKUPS,
    'GET /v1/journeys/upsell': ok(view('draft')),
    'PUT /v1/journeys/upsell': (request: SentRequest) => {
      const { version: _version, ...definition } = request.body as Record<string, unknown>;
      return ok({ ...view('draft'), journey: { ...journey('draft'), ...definition }, version: 4 });
    },
  });

  it('offers the workspace’s offers to a send, and no offer at all', async () => {
    const sent = fakeApi(draftRoutes());
    const { user } = renderEditor();
    fireEvent.click(await screen.findByText('Data pack'));
    const offer = await screen.findByRole('combobox', { name: 'Offer' });
    const options = await within(offer).findAllByRole('option');
    expect(options.map((option) => option.textContent)).toEqual(['No offer', '20 GB data pack (data-20)']);
    await user.selectOptions(offer, 'data-20');
    await user.click(screen.getByRole('button', { name: 'Save draft' }));
    await screen.findByText('Saved');
    const put = sent.find((request) => request.method === 'PUT');
    expect(put?.body).toMatchObject({ nodes: [{ id: 'offer', offer: 'data-20' }, {}, {}, {}] });
  });

  it('edits the entry’s customer rule and a branch’s conditions in the rule builder', async () => {
    const sent = fakeApi(draftRoutes());
    const { user } = renderEditor();
    fireEvent.click(await screen.findByTestId('journey-node-__entry'));
    await user.click(await screen.findByRole('switch', { name: /Only customers matching a rule/ }));
    // The rule starts on the first declared attribute, as a new segment does.
    expect(
      (await screen.findAllByLabelText('Attribute')).map((input) => input.getAttribute('value')),
    ).toContain('plan_type');
    fireEvent.click(screen.getByTestId('journey-node-vip'));
    const conditions = await screen.findByRole('group', { name: 'Every condition must hold' });
    expect((within(conditions).getAllByLabelText('Attribute')[0] as HTMLInputElement).value).toBe('arpu');
    await user.click(within(conditions).getByRole('button', { name: 'Add condition' }));
    await user.click(screen.getByRole('button', { name: 'Save draft' }));
    await screen.findByText('Saved');
    const put = sent.findLast((request) => request.method === 'PUT');
    expect(put?.body).toMatchObject({
      entry: { type: 'event', eventType: 'topup', customer: { type: 'attribute', attribute: 'plan_type' } },
      nodes: [
        {},
        {},
        {
          id: 'vip',
          branches: [
            {
              when: {
                type: 'attributes',
                where: [{ attribute: 'arpu', op: '>', value: 5 }, { attribute: 'plan_type' }],
              },
            },
          ],
        },
        {},
      ],
    });
  });
});
