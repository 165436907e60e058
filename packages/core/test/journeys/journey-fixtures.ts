import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { JourneyInput } from '../../src/journeys/journey.ts';
import { parseWorkspaceSchema, type WorkspaceSchema } from '../../src/workspace/workspace-schema.ts';

export const telecom = ((): WorkspaceSchema => {
  const text = readFileSync(new URL('../../../../cvm.config.yaml', import.meta.url), 'utf8');
  const parsed = parseWorkspaceSchema(parse(text));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.value;
})();

const sms = (text: string) => ({ type: 'sms' as const, locales: { ru: { text }, en: { text } } });

/** Post-top-up up-sell: a top-up over 500 → offer → wait up to 3 days for a purchase → reminder. */
export const upsell = (): JourneyInput => ({
  id: 'topup-upsell',
  name: 'Up-sell after a top-up',
  entry: {
    type: 'event',
    eventType: 'topup',
    where: [{ attribute: 'amount', op: '>', value: 500 }],
    customer: { type: 'attribute', attribute: 'plan_type', op: '=', value: 'prepaid' },
  },
  start: 'offer',
  nodes: [
    {
      id: 'offer',
      type: 'send',
      channel: 'sms',
      offer: 'data-pack',
      content: sms('A data pack for you'),
      next: 'wait',
    },
    {
      id: 'wait',
      type: 'wait',
      wait: { type: 'event', eventType: 'purchase', timeout: { days: 3 } },
      next: 'done',
      timeoutNext: 'split',
    },
    {
      id: 'split',
      type: 'split',
      paths: [
        { name: 'reminder', share: 50, next: 'remind' },
        { name: 'quiet', share: 50, next: 'done' },
      ],
    },
    {
      id: 'remind',
      type: 'send',
      channel: 'sms',
      offer: 'data-pack',
      content: sms('Still there?'),
      next: 'done',
    },
    { id: 'done', type: 'exit' },
  ],
  reEntry: { mode: 'after', days: 30 },
  holdoutShare: 10,
  goal: { eventType: 'purchase', kpi: 'revenue', attributionDays: 7 },
  priority: 50,
  purpose: 'marketing',
  createdBy: 'anna',
});
