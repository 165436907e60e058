import { describe, expect, it } from 'vitest';
import {
  type AdvanceContext,
  advance,
  EMPTY_MEMORY,
  type EntryPosition,
  nextLocalTime,
  type SendDecision,
  splitPath,
} from '../../src/journeys/advance.ts';
import { Journey, type SendNode } from '../../src/journeys/journey.ts';
import { upsell } from './journey-fixtures.ts';

const journey = Journey.parse(upsell());
const NOW = new Date('2026-12-08T10:00:00Z');

const contextOf = (overrides: Partial<AdvanceContext> = {}, sends: string[] = []): AdvanceContext => ({
  now: NOW,
  zone: 'Europe/Moscow',
  customerId: 'c1',
  send: (node: SendNode): SendDecision => {
    sends.push(node.id);
    return { type: 'queued', sendAt: NOW };
  },
  holds: () => false,
  awaited: (node, event) => node.wait.type === 'event' && event.type === node.wait.eventType,
  isGoal: (event) => event.type === 'goal',
  ...overrides,
});

const waiting: EntryPosition = {
  node: 'wait',
  since: NOW.toISOString(),
  wakeAt: '2026-12-11T10:00:00.000Z',
  awaiting: 'purchase',
};

describe('advance', () => {
  it('enters at the start, queues the send and waits for the event with its timeout', () => {
    const sends: string[] = [];
    const result = advance(journey, null, EMPTY_MEMORY, { type: 'enter' }, contextOf({}, sends));
    expect(sends).toEqual(['offer']);
    expect(result).toEqual({
      type: 'moved',
      position: waiting,
      memory: { sent: { offer: NOW.toISOString() }, paths: {} },
      steps: [
        { node: 'offer', at: NOW.toISOString(), outcome: 'queued' },
        { node: 'wait', at: NOW.toISOString(), outcome: 'reached' },
      ],
    });
  });

  it('leaves with policy when the send is suppressed, saying by which rule', () => {
    const result = advance(
      journey,
      null,
      EMPTY_MEMORY,
      { type: 'enter' },
      contextOf({ send: () => ({ type: 'left', outcome: 'suppressed:cap:sms:day' }) }),
    );
    expect(result).toMatchObject({
      type: 'left',
      reason: 'policy',
      node: 'offer',
      detail: 'suppressed:cap:sms:day',
    });
  });

  it('moves on when the awaited event comes, and ignores other events', () => {
    const memory = { sent: { offer: NOW.toISOString() }, paths: {} };
    const other = advance(journey, waiting, memory, { type: 'event', event: { type: 'topup' } }, contextOf());
    expect(other).toEqual({ type: 'unchanged' });
    const bought = advance(
      journey,
      waiting,
      memory,
      { type: 'event', event: { type: 'purchase' } },
      contextOf(),
    );
    expect(bought).toMatchObject({ type: 'left', reason: 'completed', node: 'done' });
    if (bought.type === 'left')
      expect(bought.steps.map((step) => `${step.node}:${step.outcome}`)).toEqual([
        'wait:event',
        'done:reached',
      ]);
  });

  it('exits on the goal wherever the customer is', () => {
    const result = advance(
      journey,
      waiting,
      EMPTY_MEMORY,
      { type: 'event', event: { type: 'goal' } },
      contextOf(),
    );
    expect(result).toMatchObject({ type: 'left', reason: 'goal', node: 'wait', steps: [] });
  });

  it('takes the timeout way only once the timer is due, then the customer’s fixed split path', () => {
    const early = advance(journey, waiting, EMPTY_MEMORY, { type: 'timer' }, contextOf());
    expect(early).toEqual({ type: 'unchanged' });
    const later = new Date('2026-12-11T10:00:00Z');
    const sends: string[] = [];
    const split = journey.nodes.find((node) => node.id === 'split');
    if (split?.type !== 'split') throw new Error('fixture');
    for (const customerId of ['c1', 'c2', 'c3', 'c4', 'c5', 'c6']) {
      sends.length = 0;
      const result = advance(
        journey,
        waiting,
        EMPTY_MEMORY,
        { type: 'timer' },
        contextOf({ now: later, customerId }, sends),
      );
      const path = splitPath(journey.id, split, customerId).name;
      expect(result.type === 'left' && result.memory.paths.split).toBe(path);
      expect(sends).toEqual(path === 'reminder' ? ['remind'] : []);
    }
  });

  it('splits by the shares: about half of many customers each way, the same way every time', () => {
    const split = journey.nodes.find((node) => node.id === 'split');
    if (split?.type !== 'split') throw new Error('fixture');
    let reminded = 0;
    for (let i = 0; i < 10_000; i += 1)
      if (splitPath(journey.id, split, `c${i}`).name === 'reminder') reminded += 1;
    expect(reminded).toBeGreaterThan(4_800);
    expect(reminded).toBeLessThan(5_200);
    expect(splitPath(journey.id, split, 'c42')).toBe(splitPath(journey.id, split, 'c42'));
  });

  it('branches on the first condition that holds, else the default', () => {
    const branching = Journey.parse({
      ...upsell(),
      start: 'check',
      nodes: [
        {
          id: 'check',
          type: 'branch',
          branches: [
            { name: 'delivered', when: { type: 'message', node: 'offer', outcome: 'delivered' }, next: 'a' },
            { name: 'vip', when: { type: 'segment', segment: 'vip' }, next: 'b' },
          ],
          defaultNext: 'c',
        },
        { id: 'offer', type: 'send', channel: 'sms', offer: 'data-pack', next: 'a' },
        { id: 'a', type: 'exit' },
        { id: 'b', type: 'exit' },
        { id: 'c', type: 'exit' },
      ],
    });
    const exitOf = (holds: AdvanceContext['holds']) => {
      const result = advance(branching, null, EMPTY_MEMORY, { type: 'enter' }, contextOf({ holds }));
      return result.type === 'left' ? `${result.node}:${result.steps[0]?.outcome}` : result.type;
    };
    expect(exitOf(() => true)).toBe('a:delivered');
    expect(exitOf((condition) => condition.type === 'segment')).toBe('b:vip');
    expect(exitOf(() => false)).toBe('c:default');
  });

  it('waits until the next local time of day in the customer’s zone', () => {
    // 10:00 UTC is 13:00 in Moscow: 09:00 local comes next day at 06:00 UTC; 18:00 local today at 15:00 UTC.
    expect(nextLocalTime(NOW, '09:00', 'Europe/Moscow').toISOString()).toBe('2026-12-09T06:00:00.000Z');
    expect(nextLocalTime(NOW, '18:00', 'Europe/Moscow').toISOString()).toBe('2026-12-08T15:00:00.000Z');
    expect(nextLocalTime(NOW, '09:00', 'Asia/Kamchatka').toISOString()).toBe('2026-12-08T21:00:00.000Z');
    // Across a DST change: New York 2026-03-08 02:30 does not exist; 08:00 EDT is 12:00 UTC.
    expect(nextLocalTime(new Date('2026-03-08T06:00:00Z'), '08:00', 'America/New_York').toISOString()).toBe(
      '2026-03-08T12:00:00.000Z',
    );
  });
});
