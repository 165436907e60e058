import { EMPTY_MEMORY, Journey, type JourneyInput, type NewEntry } from '@opencvm/core';

export const NOW = new Date('2026-01-15T10:00:00.000Z');

/** A journey of the test workspace: an SMS, a wait of a day, a split, and out. */
export const journeyOf = (overrides: Partial<JourneyInput> = {}): Journey =>
  Journey.parse({
    id: 'welcome',
    name: 'Welcome series',
    entry: { type: 'event', eventType: 'visit' },
    start: 'hello',
    nodes: [
      {
        id: 'hello',
        type: 'send',
        channel: 'sms',
        content: { type: 'sms', locales: { en: { text: 'Hello' } } },
        next: 'pause',
      },
      { id: 'pause', type: 'wait', wait: { type: 'duration', duration: { days: 1 } }, next: 'ab' },
      {
        id: 'ab',
        type: 'split',
        paths: [
          { name: 'a', share: 50, next: 'done' },
          { name: 'b', share: 50, next: 'done' },
        ],
      },
      { id: 'done', type: 'exit' },
    ],
    goal: { eventType: 'purchase', kpi: 'conversion', attributionDays: 7 },
    priority: 500,
    purpose: 'marketing',
    createdBy: 'alice',
    ...overrides,
  });

/** An entry that has just been sent `hello` and waits at `pause` until `wakeAt`. */
export const waitingEntry = (
  id: string,
  customerId: string,
  options: { readonly key?: string; readonly wakeAt?: string; readonly journeyId?: string } = {},
): NewEntry => ({
  id,
  journeyId: options.journeyId ?? 'welcome',
  version: 1,
  customerId,
  key: options.key ?? `visit-${id}`,
  group: 'treated',
  enteredAt: NOW.toISOString(),
  status: 'active',
  position: {
    node: 'pause',
    since: NOW.toISOString(),
    wakeAt: options.wakeAt ?? '2026-01-16T10:00:00.000Z',
    awaiting: null,
  },
  memory: { ...EMPTY_MEMORY, sent: { hello: NOW.toISOString() } },
  exit: null,
});

/** An entry drawn into a group that gets nothing: it leaves at once. */
export const leftEntry = (
  id: string,
  customerId: string,
  group: 'holdout' | 'ucg',
  enteredAt = NOW.toISOString(),
): NewEntry => ({
  id,
  journeyId: 'welcome',
  version: 1,
  customerId,
  key: `visit-${id}`,
  group,
  enteredAt,
  status: 'left',
  position: null,
  memory: EMPTY_MEMORY,
  exit: { reason: group, node: null, detail: null, at: enteredAt },
});

export const message = (entryId: string, customerId: string, recipient = '+491700000') => ({
  entryId,
  journeyId: 'welcome',
  node: 'hello',
  customerId,
  channel: 'sms',
  purpose: 'marketing',
  offerId: null,
  recipient,
  content: { text: 'Hello' },
  sendAt: NOW.toISOString(),
  priority: 500,
  expectedValue: '0',
});

export const sentStep = (entryId: string, customerId: string) => [
  {
    entryId,
    journeyId: 'welcome',
    version: 1,
    customerId,
    node: 'hello',
    at: NOW.toISOString(),
    outcome: 'queued',
  },
  {
    entryId,
    journeyId: 'welcome',
    version: 1,
    customerId,
    node: 'pause',
    at: NOW.toISOString(),
    outcome: 'reached',
  },
];

export const NO_CHANGES = { entries: [], updates: [], steps: [], messages: [], withdraw: [] } as const;
