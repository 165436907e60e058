import type { NormalizedRow } from '../src/import/records.ts';
import { checkSegmentRule } from '../src/segments/check-segment-rule.ts';
import { evaluateSegment, type ReferenceData } from '../src/segments/evaluate-segment.ts';
import type { RuleClock } from '../src/segments/rule-time.ts';
import type { AttributeCondition, SegmentRule } from '../src/segments/segment-rule.ts';
import { parseWorkspaceSchema, type WorkspaceSchema } from '../src/workspace/workspace-schema.ts';

/** The workspace, clock and helpers shared by the reference evaluator tests. */
export const shop = ((): WorkspaceSchema => {
  const parsed = parseWorkspaceSchema({
    workspace: { name: 'Shop', currency: 'EUR', timezone: 'Europe/Berlin' },
    customer: {
      attributes: {
        tier: { type: 'enum', values: ['gold', 'silver', 'bronze'] },
        birth_date: { type: 'date' },
        score: { type: 'number' },
        visits: { type: 'integer' },
        vip: { type: 'boolean' },
        signup_at: { type: 'timestamp' },
        city: { type: 'string' },
      },
    },
    events: {
      purchase: { amount: true, attributes: { sku: { type: 'string' }, qty: { type: 'integer' } } },
      refund: { amount: true },
      visit: { attributes: { page: { type: 'string' } } },
    },
    relations: { kinds: ['family', 'referral'] },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.value;
})();

/** Monday after the spring change to summer time in Berlin (29 March 2026, 02:00 → 03:00). */
export const clock: RuleClock = { now: new Date('2026-03-30T10:00:00.000Z'), timezone: 'Europe/Berlin' };

let eventNumber = 0;
export const event = (
  customerId: string,
  type: string,
  ts: string,
  fields: NormalizedRow = {},
): NormalizedRow => {
  eventNumber += 1;
  return {
    id: `e${eventNumber}`,
    customer_id: customerId,
    type,
    ts,
    amount: null,
    currency: null,
    ...fields,
  };
};

export const customers = (...ids: string[]): NormalizedRow[] => ids.map((id) => ({ id }));

export const dataOf = (data: Partial<ReferenceData>): ReferenceData => ({
  customers: [],
  events: [],
  relations: [],
  ...data,
});

/** Members, sorted; the rule must pass the schema check, as every stored rule has. */
export const membersOf = (rule: SegmentRule, data: ReferenceData, at: RuleClock = clock): string[] => {
  const checked = checkSegmentRule(rule, { schema: shop });
  if (!checked.ok) throw new Error(JSON.stringify(checked.error.issues));
  return [...evaluateSegment(rule, data, { schema: shop, clock: at })].sort();
};

export const where = (
  attribute: string,
  op: AttributeCondition['op'],
  more: Partial<AttributeCondition> = {},
) => ({
  attribute,
  op,
  ...more,
});
export const attribute = (
  name: string,
  op: AttributeCondition['op'],
  more: Partial<AttributeCondition> = {},
): SegmentRule => ({ type: 'attribute', ...where(name, op, more) });
