import { fireEvent, screen, within } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';
import { JourneysPage } from '../src/pages/journeys/journeys-page.tsx';
import { fakeApi, ok, type SentRequest } from './fake-api.ts';
import { renderUi } from './render-ui.tsx';

const journey = (status: string) => ({
  id: 'rescue',
  name: 'Payment rescue',
  entry: { type: 'event', eventType: 'payment_failed' },
  start: 'sms_1',
  nodes: [
    { id: 'sms_1', type: 'send', channel: 'sms', label: 'How to pay', position: { x: 0, y: 140 } },
    { id: 'bye', type: 'exit', label: 'Done', position: { x: 0, y: 280 } },
  ],
  reEntry: { mode: 'once' },
  holdoutShare: 10,
  goal: { eventType: 'bill_payment', attributionDays: 3, kpi: 'revenue' },
  priority: 500,
  purpose: 'marketing',
  status,
  createdBy: 'ada',
  history: [],
});

const view = (status: string, issues: object[]) => ({
  journey: journey(status),
  version: 3,
  createdAt: '2026-03-01T10:00:00Z',
  updatedAt: '2026-03-01T10:00:00Z',
  issues,
});

const ISSUES = [
  { path: 'nodes[0].content', node: 'sms_1', message: 'a send needs content' },
  {
    path: 'nodes[0].next',
    node: 'sms_1',
    message: 'leads nowhere: connect the send to the next node or to an exit',
  },
  { path: 'goal.kpi', message: 'revenue needs a goal event with an amount' },
];

/** The server's answer to a saved draft: the definition sent, a new version and `issues`. */
const answerPut = (issues: object[]) => (request: SentRequest) => {
  const { version: _version, ...definition } = request.body as Record<string, unknown>;
  return ok({ ...view('draft', issues), journey: { ...journey('draft'), ...definition }, version: 4 });
};

const renderEditor = () =>
  renderUi(
    <Routes>
      <Route path="/journeys/*" element={<JourneysPage />} />
    </Routes>,
    { route: '/journeys/rescue' },
  );

describe('the journey canvas', () => {
  it('shows each issue on its node and the others above the canvas', async () => {
    fakeApi({ 'GET /v1/journeys/rescue': ok(view('draft', ISSUES)) });
    renderEditor();
    const send = await screen.findByTestId('journey-node-sms_1');
    expect(within(send).getByText('a send needs content')).toBeDefined();
    expect(within(send).getByText(/leads nowhere/)).toBeDefined();
    expect(within(send).getByTestId('node-issues-sms_1').textContent).toBe('2 issues');
    const exit = screen.getByTestId('journey-node-bye');
    expect(within(exit).queryByText('a send needs content')).toBeNull();
    expect(within(exit).queryByTestId('node-issues-bye')).toBeNull();
    const general = screen.getByTestId('journey-issues');
    expect(within(general).getByText(/revenue needs a goal event/)).toBeDefined();
    expect(within(general).queryByText('a send needs content')).toBeNull();
  });

  it('connects a way out from the menu and saves the draft, showing the issues the answer brings', async () => {
    const sent: SentRequest[] = fakeApi({
      'GET /v1/journeys/rescue': ok(view('draft', ISSUES)),
      'PUT /v1/journeys/rescue': answerPut([ISSUES[0] as object]),
    });
    const { user } = renderEditor();
    // A click without the mouse-down React Flow's dragging reads (jsdom gives its events no view).
    fireEvent.click(await screen.findByText('How to pay'));
    await user.click(await screen.findByRole('button', { name: 'Connect "Next" of sms_1 to' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Done (bye)' }));
    expect(screen.getByTestId('way-out-sms_1-next').textContent).toContain('Leads to bye');
    await user.click(screen.getByRole('button', { name: 'Save draft' }));
    await screen.findByText('Saved');
    const put = sent.find((request) => request.method === 'PUT');
    expect(put?.body).toMatchObject({
      version: 3,
      start: 'sms_1',
      nodes: [{ id: 'sms_1', next: 'bye' }, { id: 'bye' }],
    });
    expect(put?.body).not.toHaveProperty('status');
    const send = screen.getByTestId('journey-node-sms_1');
    expect(within(send).queryByText(/leads nowhere/)).toBeNull();
    expect(within(send).getByText('a send needs content')).toBeDefined();
  });

  it('adds a step after the selected one from the palette', async () => {
    const sent = fakeApi({
      'GET /v1/journeys/rescue': ok(view('draft', [])),
      'PUT /v1/journeys/rescue': answerPut([]),
    });
    const { user } = renderEditor();
    // A click without the mouse-down React Flow's dragging reads (jsdom gives its events no view).
    fireEvent.click(await screen.findByText('How to pay'));
    await user.click(screen.getByTestId('add-wait'));
    expect(await screen.findByTestId('journey-node-wait_1')).toBeDefined();
    fireEvent.click(screen.getByText('How to pay'));
    expect(screen.getByTestId('way-out-sms_1-next').textContent).toContain('Leads to wait_1');
    // The change is saved by itself once the user pauses.
    await screen.findByText('Saved');
    expect(sent.find((request) => request.method === 'PUT')?.body).toMatchObject({
      nodes: [{ id: 'sms_1', next: 'wait_1' }, { id: 'bye' }, { id: 'wait_1', type: 'wait' }],
    });
  });

  it('on a running journey shows who is at each step, and the lifecycle actions instead of editing', async () => {
    fakeApi({
      'GET /v1/journeys/rescue': ok(view('running', [])),
      'GET /v1/journeys/rescue/funnel': ok({
        entered: { treated: 90, holdout: 10, ucg: 0 },
        active: 40,
        left: { completed: 60 },
        nodes: [
          { node: 'sms_1', reached: 90, here: 40, outcomes: {} },
          { node: 'bye', reached: 50, here: 0, outcomes: {} },
        ],
      }),
    });
    renderEditor();
    const counts = await screen.findByTestId('node-counts-sms_1');
    expect(counts.textContent).toContain('40 here');
    expect(counts.textContent).toContain('90 reached');
    expect(screen.getByRole('button', { name: 'Stop' })).toBeDefined();
    expect(screen.queryByRole('button', { name: 'Save draft' })).toBeNull();
    expect(screen.queryByTestId('add-send')).toBeNull();
  });

  it('on a running journey nobody has entered yet, every step counts zero', async () => {
    fakeApi({
      'GET /v1/journeys/rescue': ok(view('running', [])),
      'GET /v1/journeys/rescue/funnel': ok({
        entered: { treated: 0, holdout: 0, ucg: 0 },
        active: 0,
        left: {},
        nodes: [],
      }),
    });
    renderEditor();
    for (const id of ['sms_1', 'bye']) {
      expect((await screen.findByTestId(`node-here-${id}`)).textContent).toBe('0 here');
      expect(screen.getByTestId(`node-reached-${id}`).textContent).toBe('0 reached');
    }
  });

  it('speaks Russian', async () => {
    fakeApi({ 'GET /v1/journeys/rescue': ok(view('draft', ISSUES)) });
    renderUi(
      <Routes>
        <Route path="/journeys/*" element={<JourneysPage />} />
      </Routes>,
      { route: '/journeys/rescue', locale: 'ru' },
    );
    expect((await screen.findByTestId('node-issues-sms_1')).textContent).toBe('2 замечания');
    expect(screen.getByRole('button', { name: 'Сохранить черновик' })).toBeDefined();
  });
});
