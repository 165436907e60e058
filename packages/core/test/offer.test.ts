import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isOfferValid, type Offer, offerTemplateValues, parseOffer } from '../src/campaigns/offer.ts';
import type { SegmentRuleContext } from '../src/segments/check-segment-rule.ts';
import { parseWorkspaceSchema, type WorkspaceSchema } from '../src/workspace/workspace-schema.ts';
import { pathsAndMessages } from './issue-text.ts';

const telecom = ((): WorkspaceSchema => {
  const text = readFileSync(new URL('../../../cvm.config.yaml', import.meta.url), 'utf8');
  const parsed = parseWorkspaceSchema(parse(text));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.value;
})();

const context: SegmentRuleContext = { schema: telecom };

const valid = {
  id: 'data-5gb',
  name: '5 GB for a month',
  kind: 'bonus',
  validFrom: '2026-03-01',
  validTo: '2026-03-31',
  value: '250.00',
  cost: '12.5',
  expectedValue: '40',
  priority: 700,
  cooldownDays: 30,
  channels: ['sms', 'push'],
};

const issuesOf = (input: unknown, given: SegmentRuleContext = context) => {
  const parsed = parseOffer(input, given);
  return parsed.ok ? [] : pathsAndMessages(parsed.error.issues);
};

const offerOf = (input: unknown): Offer => {
  const parsed = parseOffer(input, context);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.value;
};

describe('parseOffer', () => {
  it('accepts an offer and keeps amounts exact, in canonical form', () => {
    expect(offerOf(valid)).toEqual({ ...valid, value: '250', cost: '12.5', expectedValue: '40' });
    expect(offerOf({ ...valid, value: '0.0001', cost: '00.10', validTo: undefined })).toMatchObject({
      value: '0.0001',
      cost: '0.1',
    });
  });

  it('names every key it refuses and why', () => {
    expect(
      issuesOf({
        ...valid,
        id: 'Data 5GB',
        kind: 'voucher',
        value: 250,
        cost: '-1',
        expectedValue: '1.23456',
        priority: 1001,
        cooldownDays: 1.5,
        channels: ['sms', 'fax'],
        extra: true,
      }),
    ).toEqual([
      { path: 'id', message: 'must start with a lower-case letter and hold only a-z, 0-9, _ and -' },
      { path: 'kind', message: 'must be one of product, bonus, discount' },
      { path: 'value', message: 'must be a decimal amount as text, such as "12.50"' },
      { path: 'cost', message: 'must not be negative' },
      { path: 'expectedValue', message: 'must be an amount: at most 4 decimal places' },
      { path: 'priority', message: 'must be a whole number from 0 to 1000' },
      { path: 'cooldownDays', message: 'must be a whole number of days, 0 or more' },
      { path: 'channels[1]', message: 'must be one of sms, email, push, webhook' },
      { path: '(root)', message: 'Unrecognized key: "extra"' },
    ]);
    expect(issuesOf({ ...valid, channels: [] })).toEqual([
      { path: 'channels', message: 'must list at least one channel' },
    ]);
    expect(issuesOf({ ...valid, channels: ['sms', 'sms'] })).toEqual([
      { path: 'channels', message: 'lists a channel twice' },
    ]);
    expect(issuesOf({ ...valid, validFrom: '2026-02-30' })).toEqual([
      { path: 'validFrom', message: 'must be a date YYYY-MM-DD' },
    ]);
  });

  it('refuses a validity that ends before it starts', () => {
    expect(issuesOf({ ...valid, validFrom: '2026-03-02', validTo: '2026-03-01' })).toEqual([
      { path: 'validTo', message: 'must not be before validFrom' },
    ]);
    expect(issuesOf({ ...valid, validFrom: '2026-03-01', validTo: '2026-03-01' })).toEqual([]);
  });

  it('checks an eligibility rule against the workspace, under eligibility.rule', () => {
    const rule = {
      type: 'and',
      rules: [
        { type: 'attribute', attribute: 'regoin', op: '=', value: 'moscow' },
        { type: 'activity', eventType: 'topups', done: true },
      ],
    };
    expect(issuesOf({ ...valid, eligibility: { type: 'rule', rule } })).toEqual([
      {
        path: 'eligibility.rule.rules[0].attribute',
        message: 'unknown attribute "regoin" (did you mean "region"?)',
      },
      {
        path: 'eligibility.rule.rules[1].eventType',
        message: 'unknown event type "topups" (did you mean "topup"?)',
      },
    ]);
    expect(
      issuesOf({ ...valid, eligibility: { type: 'rule', rule: { type: 'attribute', attribute: 'x' } } }),
    ).toEqual([{ path: 'eligibility.rule.op', message: expect.stringContaining('must be one of') }]);
    const prepaid = { type: 'attribute', attribute: 'plan_type', op: '=', value: 'prepaid' };
    expect(offerOf({ ...valid, eligibility: { type: 'rule', rule: prepaid } }).eligibility).toEqual({
      type: 'rule',
      rule: prepaid,
    });
  });

  it('reports the rest of the offer together with the rule', () => {
    const rule = { type: 'attribute', attribute: 'tariff', op: '=', value: 'smrt' };
    expect(issuesOf({ ...valid, priority: -1, eligibility: { type: 'rule', rule } })).toEqual([
      { path: 'priority', message: 'must be a whole number from 0 to 1000' },
      { path: 'eligibility.rule.value', message: 'unknown value "smrt" for tariff (did you mean "smart"?)' },
    ]);
  });

  it('refuses a hostile nesting without recursing into it', () => {
    let rule: unknown = { type: 'attribute', attribute: 'region', op: 'is null' };
    for (let depth = 0; depth < 100_000; depth += 1) rule = { type: 'not', rule };
    expect(issuesOf({ ...valid, eligibility: { type: 'rule', rule } })).toEqual([
      { path: 'eligibility.rule', message: 'is nested too deeply: more than 32 levels' },
    ]);
  });

  it('checks a saved segment when the segments are known', () => {
    const segment = { ...valid, eligibility: { type: 'segment', segment: 'vip_clients' } };
    expect(issuesOf(segment)).toEqual([]);
    expect(issuesOf(segment, { ...context, segments: new Set(['vip-clients', 'churners']) })).toEqual([
      { path: 'eligibility.segment', message: 'unknown segment "vip_clients" (did you mean "vip-clients"?)' },
    ]);
    expect(issuesOf({ ...valid, eligibility: { type: 'everyone' } })).toEqual([
      { path: 'eligibility.type', message: 'type must be segment or rule' },
    ]);
  });
});

describe('isOfferValid', () => {
  it('holds from the first to the last day, both included', () => {
    const offer = offerOf(valid);
    expect(isOfferValid(offer, '2026-02-28')).toBe(false);
    expect(isOfferValid(offer, '2026-03-01')).toBe(true);
    expect(isOfferValid(offer, '2026-03-31')).toBe(true);
    expect(isOfferValid(offer, '2026-04-01')).toBe(false);
  });

  it('has no end without validTo', () => {
    const { validTo: _, ...open } = valid;
    expect(isOfferValid(offerOf(open), '2999-12-31')).toBe(true);
    expect(isOfferValid(offerOf(open), '2026-02-28')).toBe(false);
  });
});

describe('offerTemplateValues', () => {
  it('gives templates the public fields, null when absent', () => {
    const { validTo: _, ...open } = valid;
    expect(offerTemplateValues(offerOf(open))).toEqual({
      id: 'data-5gb',
      name: '5 GB for a month',
      description: null,
      kind: 'bonus',
      value: '250',
      validFrom: '2026-03-01',
      validTo: null,
    });
  });
});
