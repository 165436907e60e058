import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  checkSegmentRule,
  parseSegmentRule,
  type SegmentRuleContext,
} from '../src/segments/check-segment-rule.ts';
import { RFM_PRESETS } from '../src/segments/features.ts';
import { findSegmentCycle, referencedLists, referencedSegments } from '../src/segments/rule-references.ts';
import type { SegmentRule } from '../src/segments/segment-rule.ts';
import { parseWorkspaceSchema, type WorkspaceSchema } from '../src/workspace/workspace-schema.ts';
import { pathsAndMessages } from './issue-text.ts';

const telecom = ((): WorkspaceSchema => {
  const text = readFileSync(new URL('../../../cvm.config.yaml', import.meta.url), 'utf8');
  const parsed = parseWorkspaceSchema(parse(text));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.value;
})();

const context: SegmentRuleContext = { schema: telecom };

const issuesOf = (input: unknown, given: SegmentRuleContext = context) => {
  const result = parseSegmentRule(input, given);
  return result.ok ? [] : pathsAndMessages(result.error.issues);
};

const attribute = (name: string, op: string, more: Record<string, unknown> = {}) => ({
  type: 'attribute',
  attribute: name,
  op,
  ...more,
});

/** A condition inside `where`: no `type`. */
const condition = (name: string, op: string, more: Record<string, unknown> = {}) => ({
  attribute: name,
  op,
  ...more,
});

const topups = (more: Record<string, unknown> = {}) => ({
  type: 'event',
  eventType: 'topup',
  aggregate: 'count',
  op: '>=',
  value: 1,
  ...more,
});

describe('parseSegmentRule', () => {
  it('accepts a rule that uses every kind of condition correctly', () => {
    const rule = {
      type: 'and',
      rules: [
        attribute('region', 'in', { values: ['moscow', 'omsk'] }),
        attribute('email', 'contains', { value: '@example.' }),
        attribute('consent_sms_marketing', '=', { value: true }),
        attribute('created_at', '<', { value: { daysAgo: 30 } }),
        attribute('updated_at', 'between', { from: '2026-01-01T00:00', to: '2026-02-01T00:00:00+03:00' }),
        attribute('birth_date', 'between', { from: '1980-01-01', to: '1999-12-31' }),
        attribute('arpu', '>', { value: 350.5 }),
        attribute('data_plan_gb', 'in', { values: [5, 20] }),
        attribute('tariff', 'is null'),
        topups({ aggregate: 'sum', field: 'amount', op: '>', value: 1000.25, window: { days: 30 } }),
        topups({ where: [condition('topup_channel', '=', { value: 'app' })] }),
        { type: 'event', eventType: 'data_session', aggregate: 'avg', field: 'mb', op: '>=', value: 10 },
        {
          type: 'activity',
          eventType: 'app_open',
          done: false,
          window: { from: '2026-01-01', to: '2026-01-31' },
        },
        { type: 'recency', eventType: 'call', op: '<=', value: 7, since: 'last' },
        { type: 'feature', feature: 'rfm_score', op: 'in', values: [555, 554] },
        {
          type: 'graph',
          base: attribute('is_business', '=', { value: true }),
          kinds: ['family'],
          hops: 2,
          cap: 100,
        },
        { type: 'top', n: 10, by: { type: 'attribute', attribute: 'activation_date' }, order: 'asc' },
        { type: 'sample', percent: 12.5, seed: 'spring', of: { type: 'segment', segment: 'anything' } },
      ],
    };
    expect(issuesOf(rule)).toEqual([]);
  });

  it('accepts the RFM presets', () => {
    for (const preset of Object.values(RFM_PRESETS)) {
      expect(checkSegmentRule(preset.rule, context).ok).toBe(true);
    }
  });

  it('names the key of a shape error with its path', () => {
    const rule = {
      type: 'and',
      rules: [attribute('region', '=', { value: 'omsk' }), topups(), topups({ window: { days: 0 } })],
    };
    expect(issuesOf(rule)).toEqual([{ path: 'rules[2].window.days', message: 'must be a positive integer' }]);
    expect(issuesOf('everyone')[0]?.path).toBe('(root)');
    expect(issuesOf(attribute('arpu', 'between', { from: 1 }))).toEqual([
      { path: 'to', message: 'is required by between' },
    ]);
  });

  it('suggests the attribute a misspelt one probably meant', () => {
    const rule = {
      type: 'or',
      rules: [attribute('plan_type', 'is null'), attribute('regoin', '=', { value: 'omsk' })],
    };
    expect(issuesOf(rule)).toEqual([
      { path: 'rules[1].attribute', message: 'unknown attribute "regoin" (did you mean "region"?)' },
    ]);
    expect(issuesOf(attribute('activation', 'is null'))[0]?.message).toBe(
      'unknown attribute "activation" (did you mean "activation_date"?)',
    );
    expect(issuesOf(attribute('colour', 'is null'))).toEqual([
      { path: 'attribute', message: 'unknown attribute "colour"' },
    ]);
  });

  it('checks enum values, with a suggestion', () => {
    expect(issuesOf(attribute('plan_type', '=', { value: 'prepiad' }))).toEqual([
      { path: 'value', message: 'unknown value "prepiad" for plan_type (did you mean "prepaid"?)' },
    ]);
    expect(issuesOf(attribute('region', 'not in', { values: ['omsk', 'atlantis'] }))).toEqual([
      { path: 'values[1]', message: 'unknown value "atlantis" for region' },
    ]);
  });

  it('allows only the operators that fit the type', () => {
    expect(issuesOf(attribute('plan_type', 'contains', { value: 'pre' }))).toEqual([
      {
        path: 'op',
        message:
          '"contains" does not apply to plan_type (enum); use one of =, !=, in, not in, is null, is not null',
      },
    ]);
    expect(issuesOf(attribute('email', '<', { value: 'm' }))[0]?.path).toBe('op');
    expect(issuesOf(attribute('arpu', 'starts with', { value: '1' }))[0]?.path).toBe('op');
    expect(issuesOf(attribute('is_business', '>', { value: false }))[0]?.path).toBe('op');
    expect(issuesOf(attribute('birth_date', 'in', { values: ['2000-01-01'] }))[0]?.path).toBe('op');
  });

  it('checks values against the type', () => {
    const cases: [unknown, string][] = [
      [attribute('data_plan_gb', '=', { value: 2.5 }), 'must be an integer'],
      [attribute('arpu', '>', { value: '100' }), 'must be a number'],
      [
        attribute('arpu', '>', { value: { daysAgo: 3 } }),
        '{ "daysAgo": N } applies only to date and timestamp attributes',
      ],
      [attribute('is_business', '=', { value: 'yes' }), 'must be true or false'],
      [attribute('email', '=', { value: 42 }), 'must be text'],
      [
        attribute('birth_date', '<', { value: '2026-02-30' }),
        'must be a date YYYY-MM-DD or { "daysAgo": N }',
      ],
      [
        attribute('created_at', '>', { value: 'yesterday' }),
        'must be a timestamp (ISO 8601, e.g. 2026-01-15T10:00:00Z) or { "daysAgo": N }',
      ],
    ];
    for (const [rule, message] of cases) expect(issuesOf(rule)).toEqual([{ path: 'value', message }]);
  });

  it('requires between to run from low to high', () => {
    expect(issuesOf(attribute('arpu', 'between', { from: 10, to: 5 }))).toEqual([
      { path: 'to', message: 'must not be less than from' },
    ]);
    expect(
      issuesOf(attribute('birth_date', 'between', { from: '2000-01-02', to: '2000-01-01' }))[0]?.path,
    ).toBe('to');
    expect(
      issuesOf(
        attribute('created_at', 'between', { from: '2026-01-01T12:00:00Z', to: '2026-01-01T14:00+03:00' }),
      ),
    ).toEqual([{ path: 'to', message: 'must not be less than from' }]);
    // Relative ends move with the clock; only constant ends are compared.
    expect(issuesOf(attribute('birth_date', 'between', { from: { daysAgo: 1 }, to: '2000-01-01' }))).toEqual(
      [],
    );
    expect(issuesOf({ type: 'recency', eventType: 'call', op: 'between', from: 9, to: 3 })).toEqual([
      { path: 'to', message: 'must not be less than from' },
    ]);
  });

  it('checks event types, their attributes, amounts and windows', () => {
    expect(issuesOf(topups({ eventType: 'topupp' }))).toEqual([
      { path: 'eventType', message: 'unknown event type "topupp" (did you mean "topup"?)' },
    ]);
    expect(
      issuesOf({
        type: 'activity',
        eventType: 'call',
        done: true,
        where: [condition('durration_s', '>', { value: 60 }), condition('amount', '>', { value: 1 })],
      }),
    ).toEqual([
      {
        path: 'where[0].attribute',
        message: 'unknown attribute "durration_s" of event type "call" (did you mean "duration_s"?)',
      },
      { path: 'where[1].attribute', message: 'event type "call" carries no amount' },
    ]);
    expect(issuesOf(topups({ where: [condition('topup_channel', '=', { value: 'ap' })] }))).toEqual([
      { path: 'where[0].value', message: 'unknown value "ap" for topup_channel (did you mean "app"?)' },
    ]);
    expect(issuesOf(topups({ where: [condition('amount', '>=', { value: 10.00001 })] }))).toEqual([
      { path: 'where[0].value', message: 'must be an amount: at most 4 decimal places' },
    ]);
    expect(issuesOf(topups({ where: [condition('currency', '=', { value: 'RUB' })] }))).toEqual([]);
    expect(issuesOf(topups({ window: { from: '2026-13-01', to: '2026-01-31' } }))).toEqual([
      { path: 'window.from', message: 'must be a date YYYY-MM-DD' },
    ]);
    expect(issuesOf(topups({ window: { from: '2026-02-01', to: '2026-01-31' } }))).toEqual([
      { path: 'window.to', message: 'must not be before from' },
    ]);
  });

  it('checks what sums and averages are taken of', () => {
    expect(
      issuesOf({ type: 'event', eventType: 'call', aggregate: 'sum', field: 'callee_id', op: '>', value: 1 }),
    ).toEqual([{ path: 'field', message: 'callee_id is text; sum needs amount or a number attribute' }]);
    expect(
      issuesOf({ type: 'event', eventType: 'call', aggregate: 'max', field: 'amount', op: '>', value: 1 }),
    ).toEqual([{ path: 'field', message: 'event type "call" carries no amount' }]);
    expect(
      issuesOf({ type: 'event', eventType: 'call', aggregate: 'avg', field: 'duration', op: '>', value: 1 }),
    ).toEqual([
      {
        path: 'field',
        message: 'unknown field "duration" of event type "call" (did you mean "duration_s"?)',
      },
    ]);
    expect(issuesOf(topups({ aggregate: 'avg', field: 'amount', op: '>', value: 0.00001 }))).toEqual([
      { path: 'value', message: 'must be an amount: at most 4 decimal places' },
    ]);
    // A count is a number of events: any threshold will do.
    expect(issuesOf(topups({ op: '>', value: 2.5 }))).toEqual([]);
  });

  it('checks features, saved segments, lists and relation kinds by name', () => {
    expect(issuesOf({ type: 'feature', feature: 'rfm_scor', op: '>=', value: 500 })).toEqual([
      { path: 'feature', message: 'unknown feature "rfm_scor" (did you mean "rfm_score"?)' },
    ]);
    expect(issuesOf({ type: 'feature', feature: 'rfm_monetary', op: '>', value: 1.23456 })[0]?.path).toBe(
      'value',
    );
    const known = { ...context, segments: new Set(['churners', 'vip']), lists: new Set(['blocked']) };
    expect(
      issuesOf(
        {
          type: 'or',
          rules: [
            { type: 'segment', segment: 'churner' },
            { type: 'segment', segment: 'vip' },
            { type: 'list', list: 'staff' },
          ],
        },
        known,
      ),
    ).toEqual([
      { path: 'rules[0].segment', message: 'unknown segment "churner" (did you mean "churners"?)' },
      { path: 'rules[2].list', message: 'unknown list "staff"' },
    ]);
    // Without the sets, names are not checked.
    expect(issuesOf({ type: 'list', list: 'staff' })).toEqual([]);
    expect(
      issuesOf({ type: 'graph', base: attribute('regoin', 'is null'), kinds: ['call', 'famly'], hops: 1 }),
    ).toEqual([
      { path: 'kinds[1]', message: 'unknown relation kind "famly" (did you mean "family"?)' },
      { path: 'base.attribute', message: 'unknown attribute "regoin" (did you mean "region"?)' },
    ]);
  });

  it('checks what top ranks by, and looks inside top and sample', () => {
    expect(issuesOf({ type: 'top', n: 5, by: { type: 'attribute', attribute: 'region' } })).toEqual([
      { path: 'by.attribute', message: 'region is enum; top ranks by a number, date or timestamp attribute' },
    ]);
    expect(issuesOf({ type: 'top', n: 5, by: { type: 'attribute', attribute: 'created_at' } })).toEqual([]);
    expect(
      issuesOf({
        type: 'top',
        n: 5,
        by: { type: 'event', eventType: 'topup', aggregate: 'count', field: 'amount' },
      }),
    ).toEqual([{ path: 'by.field', message: 'is not used by count' }]);
    expect(issuesOf({ type: 'top', n: 5, by: { type: 'feature', feature: 'rfm_m' } })).toEqual([]);
    expect(
      issuesOf({
        type: 'sample',
        count: 100,
        seed: 's',
        of: { type: 'top', n: 5, by: { type: 'feature', feature: 'recency' }, of: attribute('x', 'is null') },
      }),
    ).toEqual([
      { path: 'of.by.feature', message: 'unknown feature "recency"' },
      { path: 'of.of.attribute', message: 'unknown attribute "x"' },
    ]);
  });

  it('refuses rules too large or too deep for one SQL statement', () => {
    const wide = { type: 'or', rules: Array.from({ length: 500 }, () => attribute('region', 'is null')) };
    expect(issuesOf(wide)).toEqual([{ path: '(root)', message: 'is too large: more than 500 rules' }]);
    expect(issuesOf({ ...wide, rules: wide.rules.slice(1) })).toEqual([]);
    let deep: unknown = attribute('region', 'is null');
    for (let level = 1; level < 32; level += 1) deep = { type: 'not', rule: deep };
    expect(issuesOf(deep)).toEqual([]);
    expect(issuesOf({ type: 'not', rule: deep })).toEqual([
      { path: '(root)', message: 'is nested too deeply: more than 32 levels' },
    ]);
    // Hostile nesting is refused before the recursive shape check could exhaust the stack.
    let hostile: unknown = {};
    for (let level = 0; level < 100_000; level += 1) hostile = { type: 'not', rule: hostile };
    expect(issuesOf(hostile)[0]?.message).toBe('is nested too deeply: more than 32 levels');
    const flood = { type: 'or', rules: Array.from({ length: 200_000 }, () => ({})) };
    expect(issuesOf(flood)[0]?.message).toBe('is too large: more than 500 rules');
  });
});

describe('segment references', () => {
  const segment = (id: string): SegmentRule => ({ type: 'segment', segment: id });
  const saved: Record<string, SegmentRule> = {
    a: { type: 'and', rules: [segment('b'), { type: 'list', list: 'staff' }] },
    b: { type: 'not', rule: segment('c') },
    c: { type: 'attribute', attribute: 'region', op: 'is null' },
    loop1: segment('loop2'),
    loop2: segment('loop1'),
  };
  const ruleOf = (id: string): SegmentRule | undefined => saved[id];

  it('lists the segments and lists a rule uses, once each', () => {
    const rule: SegmentRule = {
      type: 'or',
      rules: [
        segment('x'),
        { type: 'graph', base: segment('y'), hops: 1 },
        { type: 'top', n: 1, by: { type: 'feature', feature: 'rfm_r' }, of: segment('x') },
        { type: 'sample', count: 1, seed: 's', of: { type: 'list', list: 'l1' } },
        { type: 'not', rule: { type: 'list', list: 'l1' } },
      ],
    };
    expect(referencedSegments(rule)).toEqual(['x', 'y']);
    expect(referencedLists(rule)).toEqual(['l1']);
  });

  it('finds the circle that saving a rule would close', () => {
    expect(findSegmentCycle('c', segment('a'), ruleOf)).toEqual(['c', 'a', 'b', 'c']);
    expect(findSegmentCycle('c', { type: 'not', rule: segment('c') }, ruleOf)).toEqual(['c', 'c']);
    expect(findSegmentCycle('d', segment('a'), ruleOf)).toBeNull();
    expect(findSegmentCycle('a', segment('b'), ruleOf)).toBeNull();
    expect(findSegmentCycle('e', segment('loop1'), ruleOf)).toEqual(['loop1', 'loop2', 'loop1']);
  });
});
