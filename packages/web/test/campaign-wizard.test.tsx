import { WorkspaceSchema } from '@opencvm/core';
import { screen } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';
import type { Locale } from '../src/i18n/i18n.tsx';
import { CampaignsPage } from '../src/pages/campaigns/campaigns-page.tsx';
import { type Answer, fakeApi, ok, refusal, type SentRequest } from './fake-api.ts';
import { renderUi } from './render-ui.tsx';

/** The workspace schema as the API answers it: parsed, so every field a page may read is there. */
const schemaView = WorkspaceSchema.parse({
  workspace: { name: 'Test', currency: 'RUB', defaultLocale: 'en', timezone: 'Europe/Moscow' },
  events: { purchase: { amount: true } },
});

const emptyPage = ok({ items: [], nextCursor: null });

/** The wizard for a new campaign, as /campaigns/new opens it, over a workspace with nothing saved. */
const openNewWizard = (
  options: {
    readonly locale?: Locale;
    readonly route?: string;
    readonly create?: (request: SentRequest) => Answer;
  } = {},
) => {
  const sent = fakeApi({
    'GET /v1/workspace-schema': ok(schemaView),
    'GET /v1/segments?limit=1000': emptyPage,
    'GET /v1/offers?limit=1000': emptyPage,
    ...(options.create === undefined ? {} : { 'POST /v1/campaigns': options.create }),
  });
  const rendered = renderUi(
    <Routes>
      <Route path="/campaigns/*" element={<CampaignsPage />} />
    </Routes>,
    {
      route: options.route ?? '/campaigns/new',
      ...(options.locale === undefined ? {} : { locale: options.locale }),
    },
  );
  return { ...rendered, sent };
};

const stepHeading = (name: string) => screen.findByRole('heading', { level: 3, name });

describe('the wizard stops at a step whose fields have problems', () => {
  it('keeps the user on the audience step when the rule is not JSON, and says so at the field', async () => {
    const { user, sent } = openNewWizard();
    await stepHeading('Audience');
    await user.click(screen.getByRole('radio', { name: 'Rule (JSON)' }));
    await user.type(screen.getByRole('textbox', { name: 'Segment rule (JSON)' }), 'not json');
    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    expect(await screen.findByText('Fix these first:')).toBeDefined();
    // The message is at the field and in the list of what to fix.
    expect(screen.getAllByText('This is not valid JSON.').length).toBeGreaterThan(0);
    expect(screen.getByRole('heading', { level: 3, name: 'Audience' })).toBeDefined();
    expect(sent.filter((request) => request.method === 'POST')).toEqual([]);
  });

  it('stops on the issues the API finds in this step, and moves on past those of later steps', async () => {
    const issues = (withName: boolean) => [
      ...(withName ? [] : [{ path: 'name', message: 'must not be empty', kind: 'too_small' }]),
      { path: 'offers', message: 'must list at least one offer', kind: 'too_small' },
    ];
    const { user, sent } = openNewWizard({
      create: (request) => {
        const body = request.body;
        const named = typeof body === 'object' && body !== null && 'name' in body && body.name !== '';
        return refusal(400, {
          code: 'invalid_body',
          message: 'the campaign is not valid',
          details: { issues: issues(named) },
        });
      },
    });
    await stepHeading('Audience');
    await user.type(screen.getByRole('textbox', { name: 'Campaign ID' }), 'winback');
    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    expect(await screen.findByText('Fix these first:')).toBeDefined();
    expect(screen.getAllByText(/must not be empty/).length).toBeGreaterThan(0);
    expect(screen.getByRole('heading', { level: 3, name: 'Audience' })).toBeDefined();

    await user.type(screen.getByRole('textbox', { name: 'Campaign name' }), 'Win back');
    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    await stepHeading('Offers');
    const stillMissing = screen.getByText('The draft is saved once every step is filled in. Still missing:');
    expect(stillMissing).toBeDefined();
    expect(screen.getByText(/must list at least one offer/)).toBeDefined();
    const posts = sent.filter((request) => request.method === 'POST' && request.path === '/v1/campaigns');
    expect(posts).toHaveLength(2);
    expect(posts[1]?.body).toMatchObject({ id: 'winback', name: 'Win back', controlShare: 10 });
  });
});

describe('the wizard in Russian', () => {
  it('names the steps, fields and buttons in Russian', async () => {
    openNewWizard({ locale: 'ru' });
    expect(await stepHeading('Аудитория')).toBeDefined();
    expect(screen.getByRole('textbox', { name: 'Название кампании' })).toBeDefined();
    expect(screen.getByRole('radio', { name: 'Правило (JSON)' })).toBeDefined();
    expect(screen.getByRole('button', { name: 'Сохранить и продолжить' })).toBeDefined();
    expect(screen.getByRole('button', { name: /Контрольная группа и цель/ })).toBeDefined();
  });
});

describe('moving between steps', () => {
  it('opens at the step in the address, and moves with Back and the stepper', async () => {
    const { user } = openNewWizard({ route: '/campaigns/new?step=3' });
    await stepHeading('Schedule');
    await user.click(screen.getByRole('button', { name: 'Back' }));
    await stepHeading('Channel and content');
    expect(screen.getByRole('combobox', { name: 'Channel' })).toBeDefined();
    await user.click(screen.getByRole('button', { name: /Control group and goal/ }));
    await stepHeading('Control group and goal');
  });
});
