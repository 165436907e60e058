import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TEMPLATE_LOCALES } from '../../src/campaigns/campaign-templates.ts';
import { parseJourney } from '../../src/journeys/check-journey.ts';
import { exitsOf } from '../../src/journeys/journey.ts';
import {
  checkJourneyTemplate,
  JOURNEY_TEMPLATE_KEYS,
  JOURNEY_TEMPLATES,
  journeyFromTemplate,
  journeyTemplateInput,
} from '../../src/journeys/journey-templates.ts';
import { parseWorkspaceSchema, type WorkspaceSchema } from '../../src/workspace/workspace-schema.ts';

const schemaOf = (input: unknown): WorkspaceSchema => {
  const parsed = parseWorkspaceSchema(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.value;
};

const decoded = parse(readFileSync(new URL('../../../../cvm.config.yaml', import.meta.url), 'utf8'));
const telecom = schemaOf(decoded);

describe('journey templates', () => {
  it('are four scenarios, each named and described in English and Russian', () => {
    expect(JOURNEY_TEMPLATE_KEYS).toEqual(['welcome-series', 'topup-upsell', 'win-back', 'payment-rescue']);
    for (const key of JOURNEY_TEMPLATE_KEYS) {
      const template = JOURNEY_TEMPLATES[key];
      expect(template.key).toBe(key);
      expect(template.name.en).not.toBe(template.name.ru);
      expect(template.name.ru).toMatch(/[а-я]/);
      expect(template.description.ru).toMatch(/[а-я]/);
      expect(template.description.en).toMatch(/[a-z]/);
    }
  });

  describe.each(JOURNEY_TEMPLATE_KEYS)('%s', (key) => {
    it.each(TEMPLATE_LOCALES)('parses in %s with no issues against the demo schema', (locale) => {
      const input = journeyTemplateInput(key, { id: `${key}-${locale}`, locale, createdBy: 'ann' });
      const parsed = parseJourney(input, { schema: telecom });
      expect(parsed.ok ? [] : parsed.error.issues).toEqual([]);
      expect(parsed.ok && parsed.value.issues).toEqual([]);
      const made = journeyFromTemplate(
        key,
        { id: `${key}-${locale}`, locale, createdBy: 'ann' },
        { schema: telecom },
      );
      expect(made.ok ? [] : made.error.issues).toEqual([]);
      if (!made.ok) return;
      const journey = made.value;
      expect(journey).toMatchObject({
        id: `${key}-${locale}`,
        createdBy: 'ann',
        status: 'draft',
        holdoutShare: 10,
      });
      expect(journey.name).toBe(JOURNEY_TEMPLATES[key].name[locale]);
      expect(['revenue', 'conversion']).toContain(journey.goal.kpi);
    });

    it('draws every node at its own place, and its sends speak both languages', () => {
      const journey = journeyTemplateInput(key, { id: key, createdBy: 'ann' });
      const places = journey.nodes.map((node) => `${node.position?.x},${node.position?.y}`);
      expect(journey.nodes.every((node) => node.position !== undefined)).toBe(true);
      expect(new Set(places).size).toBe(places.length);
      const sends = journey.nodes.filter((node) => node.type === 'send');
      expect(sends.length).toBeGreaterThanOrEqual(1);
      for (const send of sends) {
        expect(['sms', 'push']).toContain(send.channel);
        expect(Object.keys(send.content?.locales ?? {}).sort()).toEqual(['en', 'ru']);
      }
      expect(journey.nodes.some((node) => node.type === 'exit')).toBe(true);
    });

    it('names in `requires` every event type its definition uses', () => {
      const journey = journeyTemplateInput(key, { id: key, createdBy: 'ann' });
      const used = new Set<string>();
      if ('eventType' in journey.entry) used.add(journey.entry.eventType);
      used.add(journey.goal.eventType);
      for (const node of journey.nodes) {
        if (node.type === 'wait' && node.wait.type === 'event') used.add(node.wait.eventType);
        if (node.type === 'branch') {
          for (const branch of node.branches) {
            if (branch.when.type === 'message' && branch.when.eventType !== undefined)
              used.add(branch.when.eventType);
          }
        }
      }
      expect([...used].sort()).toEqual([...JOURNEY_TEMPLATES[key].requires.eventTypes].sort());
    });
  });

  it('the welcome series waits two days and branches on the welcome message; the up-sell waits for a purchase', () => {
    const welcome = journeyTemplateInput('welcome-series', { id: 'w', createdBy: 'ann' });
    expect(welcome.nodes.find((node) => node.type === 'wait')).toMatchObject({
      wait: { type: 'duration', duration: { days: 2 } },
    });
    expect(welcome.nodes.find((node) => node.type === 'branch')).toMatchObject({
      branches: [{ when: { type: 'message', node: 'welcome', outcome: 'converted' } }],
    });
    const upsell = journeyTemplateInput('topup-upsell', { id: 'u', createdBy: 'ann' });
    expect(upsell.entry).toEqual({
      type: 'event',
      eventType: 'topup',
      where: [{ attribute: 'amount', op: '>', value: 500 }],
      customer: { type: 'attribute', attribute: 'plan_type', op: '=', value: 'prepaid' },
    });
    const wait = upsell.nodes.find((node) => node.type === 'wait');
    expect(wait).toMatchObject({ wait: { type: 'event', eventType: 'purchase', timeout: { days: 3 } } });
    expect(wait && exitsOf(wait as never).map((exit) => exit.handle)).toEqual(['next', 'timeout']);
  });

  it('says which event type a workspace without it is missing', () => {
    const { payment_failed: _dropped, ...events } = decoded.events;
    const schema = schemaOf({ ...decoded, events });
    const checked = checkJourneyTemplate('payment-rescue', { schema });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.error.key).toBe('payment-rescue');
    expect(checked.error.issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      expect.stringMatching(/^entry\.eventType: unknown event type "payment_failed"/),
    ]);
    // The other scenarios do not use it and still fit.
    expect(checkJourneyTemplate('topup-upsell', { schema }).ok).toBe(true);
  });

  it('says which customer attribute a workspace without it is missing, on the entry', () => {
    const { plan_type: _dropped, ...attributes } = decoded.customer.attributes;
    const schema = schemaOf({ ...decoded, customer: { ...decoded.customer, attributes } });
    const checked = checkJourneyTemplate('topup-upsell', { schema });
    expect(checked.ok ? [] : checked.error.issues.map((issue) => issue.path)).toEqual([
      'entry.customer.attribute',
    ]);
  });
});
