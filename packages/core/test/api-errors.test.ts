import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { API_ERROR_REASONS, ISSUE_KINDS } from '../src/api/errors.ts';
import { parseOffer } from '../src/campaigns/offer.ts';
import { parseSegmentRule } from '../src/segments/check-segment-rule.ts';
import { parseWorkspaceSchema, type WorkspaceSchema } from '../src/workspace/workspace-schema.ts';

const telecom = ((): WorkspaceSchema => {
  const text = readFileSync(new URL('../../../cvm.config.yaml', import.meta.url), 'utf8');
  const parsed = parseWorkspaceSchema(parse(text));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.value;
})();

const kindsOf = (input: unknown, segments: ReadonlySet<string> = new Set()) => {
  const parsed = parseSegmentRule(input, { schema: telecom, segments, lists: new Set() });
  return parsed.ok ? [] : parsed.error.issues.map((issue) => [issue.path, issue.kind]);
};

describe('refusals carry what clients translate', () => {
  it('lists each reason and kind once', () => {
    expect(new Set(API_ERROR_REASONS).size).toBe(API_ERROR_REASONS.length);
    expect(new Set(ISSUE_KINDS).size).toBe(ISSUE_KINDS.length);
  });

  it("gives shape issues zod's code and unknown names their own kind", () => {
    expect(kindsOf({ type: 'attribute', attribute: 'region', op: '=', value: 1, extra: true })).toEqual([
      ['(root)', 'unrecognized_keys'],
    ]);
    expect(
      kindsOf({
        type: 'or',
        rules: [
          { type: 'attribute', attribute: 'regoin', op: '=', value: 'x' },
          { type: 'activity', eventType: 'purchse', done: true },
          { type: 'segment', segment: 'nope' },
          { type: 'feature', feature: 'rfm_nope', op: '>', value: 1 },
        ],
      }),
    ).toEqual([
      ['rules[0].attribute', 'unknown_name'],
      ['rules[1].eventType', 'unknown_name'],
      ['rules[2].segment', 'unknown_name'],
      ['rules[3].feature', 'unknown_name'],
    ]);
    expect(kindsOf({ type: 'activity', eventType: 'topup', done: true, window: { days: 0 } })).toEqual([
      ['window.days', 'too_small'],
    ]);
  });

  it('keeps the kind when an issue is reported under an outer key', () => {
    const parsed = parseOffer(
      {
        id: 'gift',
        name: 'Gift',
        kind: 'bonus',
        validFrom: '2026-01-01',
        eligibility: { type: 'rule', rule: { type: 'attribute', attribute: 'regoin', op: '=', value: 'x' } },
      },
      { schema: telecom },
    );
    expect(parsed.ok ? [] : parsed.error.issues.map((issue) => [issue.path, issue.kind])).toContainEqual([
      'eligibility.rule.attribute',
      'unknown_name',
    ]);
  });
});
