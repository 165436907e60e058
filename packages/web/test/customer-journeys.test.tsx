import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { CustomerJourneys } from '../src/pages/customers/customer-journeys.tsx';
import { fakeApi } from './fake-api.ts';
import { renderUi } from './render-ui.tsx';

const ENTRIES = [
  {
    id: 'e1',
    journeyId: 'upsell',
    journeyName: 'Top-up up-sell',
    version: 1,
    customerId: 'C1',
    key: 'k1',
    group: 'treated' as const,
    enteredAt: '2026-03-01T10:00:00Z',
    status: 'active' as const,
    position: { node: 'wait_purchase', since: '2026-03-01T10:00:01Z', wakeAt: null, awaiting: 'purchase' },
    exitReason: null,
    exitNode: null,
    exitDetail: null,
    leftAt: null,
  },
  {
    id: 'e2',
    journeyId: 'winback',
    journeyName: null,
    version: 2,
    customerId: 'C1',
    key: 'k2',
    group: 'treated' as const,
    enteredAt: '2026-02-01T10:00:00Z',
    status: 'left' as const,
    position: null,
    exitReason: 'policy' as const,
    exitNode: 'sms_1',
    exitDetail: 'suppressed:cap:sms:day',
    leftAt: '2026-02-01T10:00:02Z',
  },
  {
    id: 'e3',
    journeyId: 'rescue',
    journeyName: 'Payment rescue',
    version: 1,
    customerId: 'C1',
    key: 'k3',
    group: 'holdout' as const,
    enteredAt: '2026-01-01T10:00:00Z',
    status: 'left' as const,
    position: null,
    exitReason: 'holdout' as const,
    exitNode: null,
    exitDetail: null,
    leftAt: '2026-01-01T10:00:00Z',
  },
];

describe('a customer’s journeys', () => {
  it('lists each journey with its link, group, status, and the step they are at or why they left', () => {
    fakeApi({});
    renderUi(<CustomerJourneys entries={ENTRIES} />);
    const active = screen.getByTestId('customer-journey-upsell');
    expect(within(active).getByRole('link', { name: 'Top-up up-sell' }).getAttribute('href')).toBe(
      '/journeys/upsell',
    );
    expect(active.textContent).toContain('Treated');
    expect(active.textContent).toContain('On the journey');
    expect(active.textContent).toContain('at step wait_purchase');
    expect(active.textContent).toContain('waiting for purchase');
    const left = screen.getByTestId('customer-journey-winback');
    // A deleted journey is named by its id.
    expect(within(left).getByRole('link', { name: 'winback' })).toBeDefined();
    expect(left.textContent).toContain('left: policy (suppressed:cap:sms:day), at sms_1');
    const holdout = screen.getByTestId('customer-journey-rescue');
    expect(holdout.textContent).toContain('Holdout');
    expect(holdout.textContent).toContain('left: holdout');
  });

  it('says when there is none, and speaks Russian', () => {
    fakeApi({});
    const { unmount } = renderUi(<CustomerJourneys entries={[]} />);
    expect(screen.getByText('Not in any journey.')).toBeDefined();
    unmount();
    renderUi(<CustomerJourneys entries={ENTRIES} />, { locale: 'ru' });
    expect(screen.getByTestId('customer-journey-winback').textContent).toContain(
      'вышел: контактная политика (suppressed:cap:sms:day), на шаге sms_1',
    );
    expect(screen.getByTestId('customer-journey-upsell').textContent).toContain('на шаге wait_purchase');
  });
});
