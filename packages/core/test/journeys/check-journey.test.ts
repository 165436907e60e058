import { describe, expect, it } from 'vitest';
import { checkJourney, parseJourney } from '../../src/journeys/check-journey.ts';
import { Journey, type JourneyInput } from '../../src/journeys/journey.ts';
import { telecom, upsell } from './journey-fixtures.ts';

const offers = new Map([['data-pack', { channels: ['sms', 'push'] as const }]]);
const context = { schema: telecom, offers: offers as never, segments: new Set(['prepaid-active']) };

const issuesOf = (input: JourneyInput) => {
  const parsed = parseJourney(input, context);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.value.issues;
};

const withNodes = (nodes: JourneyInput['nodes'], start = 'offer'): JourneyInput => ({
  ...upsell(),
  start,
  nodes,
});

describe('checkJourney', () => {
  it('finds nothing wrong with a complete journey', () => {
    expect(issuesOf(upsell())).toEqual([]);
  });

  it('refuses a shape error with the path of the key', () => {
    const parsed = parseJourney({ ...upsell(), nodes: [{ id: 'x', type: 'teleport' }] }, context);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.issues.map((issue) => issue.path)).toContain('nodes[0].type');
  });

  it('shows an unreachable node, a branch without a default and a send without content on the node', () => {
    const issues = issuesOf(
      withNodes([
        { id: 'offer', type: 'send', channel: 'sms', offer: 'data-pack', next: 'check' },
        {
          id: 'check',
          type: 'branch',
          branches: [
            {
              name: 'prepaid',
              when: { type: 'attributes', where: [{ attribute: 'plan_type', op: '=', value: 'prepaid' }] },
              next: 'done',
            },
          ],
        },
        { id: 'lost', type: 'exit' },
        { id: 'done', type: 'exit' },
      ]),
    );
    const byNode = (node: string) =>
      issues.filter((issue) => issue.node === node).map((issue) => issue.message);
    expect(byNode('offer')).toEqual(['a send needs content']);
    expect(byNode('check')).toEqual(['a branch needs a default way for everyone no branch takes']);
    expect(byNode('lost')).toEqual(['cannot be reached: no way from the entry leads here']);
    expect(byNode('done')).toEqual([]);
  });

  it('refuses cycles, unknown targets and splits that do not add up to 100', () => {
    const base = upsell();
    const nodes = base.nodes.map((node) => {
      if (node.id === 'remind') return { ...node, next: 'offer' };
      if (node.id === 'split' && node.type === 'split')
        return {
          ...node,
          paths: [
            { name: 'a', share: 60, next: 'remind' },
            { name: 'b', share: 30, next: 'nowhere' },
          ],
        };
      return node;
    });
    const issues = issuesOf({ ...base, nodes });
    expect(issues.find((issue) => issue.node === 'remind')?.message).toBe(
      'leads back to an earlier node: a journey goes forward only',
    );
    expect(issues.filter((issue) => issue.node === 'split').map((issue) => issue.message)).toEqual([
      'unknown node "nowhere"',
      'shares must add up to 100, they add up to 90',
    ]);
  });

  it('needs a timeout way for a wait for an event and known names, but no offer per send', () => {
    const base = upsell();
    const nodes = base.nodes.map((node) => {
      if (node.id === 'wait' && node.type === 'wait') {
        const { timeoutNext: _gone, ...rest } = node;
        return { ...rest, wait: { type: 'event' as const, eventType: 'purchse', timeout: { days: 3 } } };
      }
      if (node.id === 'remind' && node.type === 'send') {
        const { offer: _none, ...rest } = node;
        return rest;
      }
      return node;
    });
    const issues = issuesOf({
      ...base,
      nodes,
      entry: { type: 'segment', segment: 'prepaid-activ', on: 'entry' },
    });
    const text = issues.map((issue) => `${issue.path}: ${issue.message}`);
    expect(text).toContain(
      'nodes[1].timeoutNext: a wait for an event needs a way for those who do not do it in time',
    );
    expect(text.some((line) => line.startsWith('nodes[1].wait') && line.includes('purchse'))).toBe(true);
    // A send may name no offer: a message alone.
    expect(text.some((line) => line.startsWith('nodes[3].offer'))).toBe(false);
    expect(text).toContain('entry.segment: unknown segment "prepaid-activ" (did you mean "prepaid-active"?)');
  });

  it('checks the date attribute of a date trigger and the content against the workspace', () => {
    const base = upsell();
    const issues = issuesOf({
      ...base,
      entry: { type: 'date', attribute: 'arpu', offsetDays: -30 },
      nodes: base.nodes.map((node) =>
        node.id === 'offer' && node.type === 'send'
          ? { ...node, content: { type: 'sms', locales: { en: { text: 'Hi {{ customer.nickname }}' } } } }
          : node,
      ),
    });
    const text = issues.map((issue) => `${issue.path}: ${issue.message}`);
    expect(text).toContain('entry.attribute: must be a date attribute; "arpu" is number');
    expect(text.some((line) => line.startsWith('nodes[0].content') && line.includes('nickname'))).toBe(true);
    expect(text).toContain(
      'nodes[0].content.locales: must include the workspace default locale "ru", which customers without a locale of the content get',
    );
  });

  it('is what the schema and the checks say together: a parsed draft keeps its issues', () => {
    const journey = Journey.parse({ ...upsell(), start: undefined });
    expect(checkJourney(journey, context).map((issue) => issue.path)).toContain('start');
  });
});
