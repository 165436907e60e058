import {
  type AttributeCondition,
  compareIds,
  computeRfm,
  evaluateSegment,
  type FieldValue,
  type NormalizedRow,
  parseSegmentRule,
  type SegmentRule,
  type Store,
} from '@opencvm/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, type TestStore, testSchema } from './adapters.ts';

/**
 * Random rule trees over random data: DuckDB, PostgreSQL and core's reference evaluator must
 * select exactly the same customers. Data puts values on the boundaries rules compute (now − N
 * days, calendar-day starts in the workspace zone, equal measures for top-N ties), where an
 * off-by-one in any engine would show.
 */

const schema = testSchema();
const NOW = new Date('2026-03-29T00:30:00.000Z'); // 02:30 in Berlin, hours after the DST change
const clock = { now: NOW, timezone: 'Europe/Berlin' };
const DAY = 86_400_000;
const RULES_PER_DATASET = Number(process.env.CVM_PROPERTY_RUNS ?? 150);

const instant = (offsetMs: number): string => new Date(NOW.getTime() + offsetMs).toISOString();

/** Instants rules use as bounds, and some between. */
const interestingInstants = [
  ...[0, 1, 7, 30, 90, 365].flatMap((days) => [
    instant(-days * DAY),
    instant(-days * DAY + 1),
    instant(-days * DAY - 1),
  ]),
  '2026-03-20T23:00:00.000Z', // midnight 21 March in Berlin
  '2026-03-21T22:59:59.999Z',
  '2026-03-27T23:00:00.000Z',
  instant(3_600_000), // after now: never counts
];

const instantArb = fc.oneof(
  fc.constantFrom(...interestingInstants),
  fc
    .integer({ min: -400, max: 2 })
    .chain((days) => fc.integer({ min: 0, max: 23 }).map((hour) => instant(days * DAY + hour * 3_600_000))),
);

const dateArb = fc.constantFrom(
  '1980-02-29',
  '1990-05-01',
  '1999-12-31',
  '2026-02-27',
  '2026-02-26',
  '2026-03-28',
  '2026-03-29',
);
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arb, { nil: null, freq: 4 });
const amountArb = fc.constantFrom('0', '10', '10.5', '99.99', '100', '100.01', '250', '500', '0.01');

const CUSTOMER_IDS = Array.from({ length: 40 }, (_, index) => `c${String(index).padStart(2, '0')}`);
const OUTSIDERS = ['x1', 'x2'];

interface Dataset {
  readonly customers: NormalizedRow[];
  readonly events: NormalizedRow[];
  readonly relations: { src: string; dst: string; kind: string; weight: number }[];
  readonly list: string[];
}

const datasetArb: fc.Arbitrary<Dataset> = fc
  .record({
    customers: fc.tuple(
      ...CUSTOMER_IDS.map((id) =>
        fc.record({
          id: fc.constant(id),
          tier: maybe(fc.constantFrom('gold', 'silver', 'bronze')),
          birth_date: maybe(dateArb),
          score: maybe(fc.integer({ min: -4, max: 8 }).map((n) => n / 2)),
          visits: maybe(fc.integer({ min: 0, max: 6 })),
          vip: maybe(fc.boolean()),
          signup_at: maybe(instantArb),
          city: maybe(fc.constantFrom('Berlin', 'Bern', 'Berlin-Mitte', 'Hamburg', 'bern')),
        }),
      ),
    ),
    events: fc.array(
      fc.record({
        customer_id: fc.constantFrom(...CUSTOMER_IDS, ...CUSTOMER_IDS, 'x1'),
        type: fc.constantFrom('purchase', 'purchase', 'refund', 'visit'),
        ts: instantArb,
        amount: maybe(amountArb),
        sku: maybe(fc.constantFrom('A', 'B', 'AB')),
        qty: maybe(fc.integer({ min: 1, max: 4 })),
        page: maybe(fc.constantFrom('/home', '/shop')),
      }),
      { minLength: 50, maxLength: 260 },
    ),
    relations: fc.uniqueArray(
      fc.record({
        src: fc.constantFrom(...CUSTOMER_IDS, ...OUTSIDERS),
        dst: fc.constantFrom(...CUSTOMER_IDS, ...OUTSIDERS),
        kind: fc.constantFrom('family', 'referral'),
        weight: fc.constantFrom(0.5, 1, 2, 3),
      }),
      { maxLength: 90, selector: (r) => `${r.src}|${r.dst}|${r.kind}` },
    ),
    list: fc.subarray([...CUSTOMER_IDS, 'x2'], { maxLength: 15 }),
  })
  .map(({ customers, events, relations, list }) => ({
    customers: customers.map((row) => ({ ...row })),
    events: events.map((row, index): NormalizedRow => {
      const purchaseLike = row.type !== 'visit';
      return {
        id: `e${index}`,
        customer_id: row.customer_id,
        type: row.type,
        ts: row.ts,
        amount: purchaseLike ? row.amount : null,
        currency: purchaseLike && row.amount !== null ? 'EUR' : null,
        sku: row.type === 'purchase' ? row.sku : null,
        qty: row.type === 'purchase' ? row.qty : null,
        page: row.type === 'visit' ? row.page : null,
      };
    }),
    relations: relations.filter((r) => r.src !== r.dst),
    list,
  }));

// ---------------------------------------------------------------------------------------------
// Rules

const condition = (
  attribute: string,
  values: fc.Arbitrary<FieldValue | { daysAgo: number }>,
  ops: readonly AttributeCondition['op'][],
) =>
  fc.constantFrom(...ops).chain((op): fc.Arbitrary<AttributeCondition> => {
    switch (op) {
      case 'is null':
      case 'is not null':
        return fc.constant({ attribute, op });
      case 'in':
      case 'not in':
        return fc
          .array(
            values.filter((v) => typeof v !== 'object' || v === null),
            { minLength: 1, maxLength: 3 },
          )
          .map((list) => ({
            attribute,
            op,
            values: list.filter((v): v is string | number | boolean => v !== null && typeof v !== 'object'),
          }));
      case 'between':
        // Ends in order when both are fixed values; relative ends may come either way.
        return fc.tuple(values, values).map(([a, b]) => {
          const swap = typeof a !== 'object' && typeof b !== 'object' && a !== null && b !== null && a > b;
          return { attribute, op, from: (swap ? b : a) ?? 0, to: (swap ? a : b) ?? 0 };
        });
      default:
        return values.map((value) => ({ attribute, op, value: value ?? 0 }));
    }
  });

const ORDERED: readonly AttributeCondition['op'][] = [
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'between',
  'in',
  'not in',
  'is null',
  'is not null',
];
const daysAgoArb = fc.constantFrom(0, 1, 7, 30, 365).map((daysAgo) => ({ daysAgo }));

const attributeConditionArb: fc.Arbitrary<AttributeCondition> = fc.oneof(
  condition('tier', fc.constantFrom('gold', 'silver', 'bronze'), [
    '=',
    '!=',
    'in',
    'not in',
    'is null',
    'is not null',
  ]),
  condition('city', fc.constantFrom('Berlin', 'Ber', 'bern', 'Mitte'), [
    '=',
    '!=',
    'contains',
    'starts with',
    'in',
    'is null',
  ]),
  condition(
    'score',
    fc.integer({ min: -4, max: 8 }).map((n) => n / 2),
    ORDERED,
  ),
  condition('visits', fc.integer({ min: 0, max: 6 }), ORDERED),
  condition('vip', fc.boolean(), ['=', '!=', 'is null']),
  condition('birth_date', fc.oneof(dateArb, daysAgoArb), [
    '=',
    '!=',
    '<',
    '<=',
    '>',
    '>=',
    'between',
    'is null',
  ]),
  condition('signup_at', fc.oneof(fc.constantFrom(...interestingInstants), daysAgoArb), [
    '<',
    '<=',
    '>',
    '>=',
    'between',
    'is not null',
  ]),
  condition('id', fc.constantFrom('c05', 'c1', 'c20'), ['=', '!=', 'starts with', 'in', 'not in']),
);

const windowArb = fc.option(
  fc.oneof(
    fc.constantFrom(1, 7, 30, 90, 365).map((days) => ({ days })),
    fc.constantFrom(
      { from: '2026-03-21', to: '2026-03-21' },
      { from: '2026-03-01', to: '2026-03-28' },
      { from: '2025-01-01', to: '2026-12-31' },
    ),
  ),
  { nil: undefined },
);

const whereArb = (eventType: string) =>
  fc.option(
    eventType === 'purchase'
      ? fc.constantFrom<AttributeCondition[]>(
          [{ attribute: 'sku', op: '=', value: 'A' }],
          [{ attribute: 'qty', op: '>=', value: 2 }],
          [{ attribute: 'amount', op: '>', value: 100 }],
          [
            { attribute: 'sku', op: 'starts with', value: 'A' },
            { attribute: 'amount', op: 'is not null' },
          ],
        )
      : eventType === 'refund'
        ? fc.constant<AttributeCondition[]>([{ attribute: 'amount', op: '<=', value: 99.99 }])
        : fc.constant<AttributeCondition[]>([{ attribute: 'page', op: '=', value: '/home' }]),
    { nil: undefined },
  );

const measureOp = fc.constantFrom('=', '!=', '<', '<=', '>', '>=', 'between' as const);

interface Comparison {
  readonly op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'between';
  readonly value?: number;
  readonly from?: number;
  readonly to?: number;
}

const comparisonArb = (values: fc.Arbitrary<number>): fc.Arbitrary<Comparison> =>
  measureOp.chain(
    (op): fc.Arbitrary<Comparison> =>
      op === 'between'
        ? fc.tuple(values, values).map(([a, b]) => ({ op, from: Math.min(a, b), to: Math.max(a, b) }))
        : values.map((value) => ({ op, value })),
  );

const eventRuleArb: fc.Arbitrary<SegmentRule> = fc
  .constantFrom('purchase', 'refund', 'visit')
  .chain((eventType) => {
    const fields = eventType === 'purchase' ? ['amount', 'qty'] : eventType === 'refund' ? ['amount'] : [];
    const aggregateArb =
      fields.length === 0
        ? fc.constant({ aggregate: 'count' as const, field: undefined })
        : fc.oneof(
            fc.constant({ aggregate: 'count' as const, field: undefined }),
            fc.record({
              aggregate: fc.constantFrom('sum', 'avg', 'min', 'max' as const),
              field: fc.constantFrom(...fields),
            }),
          );
    return fc
      .record({
        where: whereArb(eventType),
        window: windowArb,
        measure: aggregateArb,
        comparison: comparisonArb(fc.constantFrom(0, 1, 2, 3, 10, 10.5, 99.99, 100, 250, 500)),
      })
      .map(
        ({ where, window, measure, comparison }): SegmentRule => ({
          type: 'event',
          eventType,
          ...(where === undefined ? {} : { where }),
          ...(window === undefined ? {} : { window }),
          aggregate: measure.aggregate,
          ...(measure.field === undefined ? {} : { field: measure.field }),
          ...comparison,
        }),
      );
  });

const activityArb: fc.Arbitrary<SegmentRule> = fc
  .record({ eventType: fc.constantFrom('purchase', 'visit'), window: windowArb, done: fc.boolean() })
  .map(({ eventType, window, done }) => ({
    type: 'activity',
    eventType,
    ...(window === undefined ? {} : { window }),
    done,
  }));

const recencyArb: fc.Arbitrary<SegmentRule> = fc
  .record({
    eventType: fc.constantFrom('purchase', 'refund', 'visit'),
    since: fc.constantFrom('last', 'first' as const),
    comparison: comparisonArb(fc.constantFrom(0, 1, 6, 7, 30, 90, 364, 365)),
  })
  .map(({ eventType, since, comparison }) => ({ type: 'recency', eventType, since, ...comparison }));

const featureArb: fc.Arbitrary<SegmentRule> = fc.oneof(
  fc
    .record({
      feature: fc.constantFrom('rfm_r', 'rfm_f', 'rfm_m'),
      comparison: comparisonArb(fc.integer({ min: 1, max: 5 })),
    })
    .map(({ feature, comparison }): SegmentRule => ({ type: 'feature', feature, ...comparison })),
  fc.constantFrom<SegmentRule>(
    { type: 'feature', feature: 'rfm_monetary', op: '>=', value: 100 },
    { type: 'feature', feature: 'rfm_recency_days', op: '<=', value: 7 },
    { type: 'feature', feature: 'rfm_score', op: 'in', values: [111, 555, 355] },
    { type: 'feature', feature: 'rfm_frequency', op: 'is null' },
  ),
);

const leafArb: fc.Arbitrary<SegmentRule> = fc.oneof(
  { weight: 4, arbitrary: attributeConditionArb.map((c): SegmentRule => ({ type: 'attribute', ...c })) },
  { weight: 4, arbitrary: eventRuleArb },
  { weight: 1, arbitrary: activityArb },
  { weight: 2, arbitrary: recencyArb },
  { weight: 1, arbitrary: featureArb },
  { weight: 1, arbitrary: fc.constant<SegmentRule>({ type: 'segment', segment: 'saved' }) },
  { weight: 1, arbitrary: fc.constant<SegmentRule>({ type: 'list', list: 'uploaded' }) },
);

const measureArb = fc.oneof(
  fc
    .constantFrom('visits', 'score', 'signup_at', 'birth_date')
    .map((attribute) => ({ type: 'attribute' as const, attribute })),
  fc.constantFrom('rfm_monetary', 'rfm_score').map((feature) => ({ type: 'feature' as const, feature })),
  fc
    .record({ window: windowArb, aggregate: fc.constantFrom('count', 'sum', 'max' as const) })
    .map(({ window, aggregate }) => ({
      type: 'event' as const,
      eventType: 'purchase',
      ...(window === undefined ? {} : { window }),
      aggregate,
      ...(aggregate === 'count' ? {} : { field: 'amount' }),
    })),
);

const ruleArb: fc.Arbitrary<SegmentRule> = fc.letrec<{ rule: SegmentRule }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: leafArb },
    {
      weight: 2,
      arbitrary: fc
        .array(tie('rule'), { minLength: 1, maxLength: 3 })
        .map((rules): SegmentRule => ({ type: 'and', rules })),
    },
    {
      weight: 2,
      arbitrary: fc
        .array(tie('rule'), { minLength: 1, maxLength: 3 })
        .map((rules): SegmentRule => ({ type: 'or', rules })),
    },
    { weight: 1, arbitrary: tie('rule').map((rule): SegmentRule => ({ type: 'not', rule })) },
    {
      weight: 1,
      arbitrary: fc
        .record({
          base: leafArb,
          hops: fc.integer({ min: 1, max: 3 }),
          kinds: fc.option(fc.constantFrom(['family'], ['referral'], ['family', 'referral']), {
            nil: undefined,
          }),
          minWeight: fc.option(fc.constantFrom(1, 2), { nil: undefined }),
          direction: fc.option(fc.constantFrom('any', 'out', 'in' as const), { nil: undefined }),
          excludeBase: fc.option(fc.boolean(), { nil: undefined }),
          cap: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        })
        .map(
          ({ base, hops, kinds, minWeight, direction, excludeBase, cap }): SegmentRule => ({
            type: 'graph',
            base,
            hops,
            ...(kinds === undefined ? {} : { kinds }),
            ...(minWeight === undefined ? {} : { minWeight }),
            ...(direction === undefined ? {} : { direction }),
            ...(excludeBase === undefined ? {} : { excludeBase }),
            ...(cap === undefined ? {} : { cap }),
          }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          of: fc.option(leafArb, { nil: undefined }),
          by: measureArb,
          n: fc.integer({ min: 1, max: 12 }),
          order: fc.option(fc.constantFrom('desc', 'asc' as const), { nil: undefined }),
        })
        .map(
          ({ of, by, n, order }): SegmentRule => ({
            type: 'top',
            by,
            n,
            ...(of === undefined ? {} : { of }),
            ...(order === undefined ? {} : { order }),
          }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          of: fc.option(leafArb, { nil: undefined }),
          size: fc.oneof(
            fc.integer({ min: 1, max: 15 }).map((count) => ({ count })),
            fc.constantFrom(12.5, 50, 99.99).map((percent) => ({ percent })),
          ),
          seed: fc.constantFrom('a', 'spring-2026'),
        })
        .map(
          ({ of, size, seed }): SegmentRule => ({
            type: 'sample',
            ...size,
            seed,
            ...(of === undefined ? {} : { of }),
          }),
        ),
    },
  ),
})).rule;

const SAVED: SegmentRule = {
  type: 'or',
  rules: [
    { type: 'attribute', attribute: 'tier', op: '=', value: 'gold' },
    { type: 'event', eventType: 'purchase', aggregate: 'count', window: { days: 30 }, op: '>=', value: 2 },
  ],
};

const load = async (store: Store, data: Dataset): Promise<void> => {
  const present = (rows: readonly NormalizedRow[]) => new Set(Object.keys(rows[0] ?? {}));
  await store.importRows('customers', data.customers, present(data.customers));
  await store.importRows('events', data.events, present(data.events));
  if (data.relations.length > 0) await store.importRows('relations', data.relations, present(data.relations));
  await store.segments.saveList('uploaded', data.list, NOW);
  await store.segments.refreshFeatures({ eventTypes: ['purchase', 'refund'], windowDays: 90 }, clock);
};

const DATASETS = fc.sample(datasetArb, { numRuns: 2, seed: 20261123 });

describe.each(DATASETS.map((data, index) => ({ index, data })))(
  'random rules on dataset $index',
  ({ index, data }) => {
    const stores: { name: string; test: TestStore }[] = [];
    // The stores score customers only: events of other ids take no rank.
    const customerEvents = data.events.filter((row) => CUSTOMER_IDS.includes(String(row.customer_id)));
    const rfm = computeRfm(customerEvents, { eventTypes: ['purchase', 'refund'], windowDays: 90 }, clock);
    const reference = {
      customers: data.customers,
      events: data.events,
      relations: data.relations,
      lists: new Map([['uploaded', new Set(data.list)]]),
      features: new Map([...rfm].map(([id, values]) => [id, { ...values }])),
      segments: (id: string) => (id === 'saved' ? SAVED : undefined),
    };

    beforeAll(async () => {
      for (const adapter of ADAPTERS) {
        const test = await adapter.open(schema);
        stores.push({ name: adapter.name, test });
        await load(test.store, data);
      }
    });
    afterAll(async () => {
      for (const { test } of stores) await test[Symbol.asyncDispose]();
    });

    it('every store selects exactly the reference members', async () => {
      await fc.assert(
        fc.asyncProperty(ruleArb, async (rule) => {
          const parsed = parseSegmentRule(rule, {
            schema,
            segments: new Set(['saved']),
            lists: new Set(['uploaded']),
          });
          expect(parsed.ok ? [] : parsed.error.issues).toEqual([]);
          const expected = [...evaluateSegment(rule, reference, { schema, clock })].sort(compareIds);
          for (const { name, test } of stores) {
            const members = await test.store.segments.members({
              rule,
              clock,
              segmentRule: reference.segments,
            });
            expect({ store: name, members }).toEqual({ store: name, members: expected });
          }
          // Explain counts every node of the and/or/not tree, alone and with its earlier siblings.
          const size = (node: SegmentRule) => evaluateSegment(node, reference, { schema, clock }).size;
          const expectedNodes: { path: string; matched: number; cumulative: number | null }[] = [];
          const walk = (node: SegmentRule, path: string, cumulative: number | null): void => {
            expectedNodes.push({ path: path || '(root)', matched: size(node), cumulative });
            const at = (suffix: string) => (path === '' ? suffix : `${path}.${suffix}`);
            if (node.type === 'and' || node.type === 'or') {
              node.rules.forEach((child, childIndex) => {
                const earlier: SegmentRule = { type: node.type, rules: node.rules.slice(0, childIndex + 1) };
                walk(child, at(`rules[${childIndex}]`), size(earlier));
              });
            } else if (node.type === 'not') {
              walk(node.rule, at('rule'), null);
            }
          };
          walk(rule, '', null);
          for (const { name, test } of stores) {
            const explained = await test.store.segments.explain({
              rule,
              clock,
              segmentRule: reference.segments,
            });
            expect({
              store: name,
              customers: explained.customers,
              nodes: explained.nodes.map(({ path, matched, cumulative }) => ({ path, matched, cumulative })),
            }).toEqual({ store: name, customers: data.customers.length, nodes: expectedNodes });
          }
        }),
        { numRuns: RULES_PER_DATASET, seed: 1000 + index },
      );
    });
  },
);
