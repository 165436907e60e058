import { DEMO_REGIONS } from './demo-catalog.ts';
import { type DemoRandom, draw, hash32, weighted } from './demo-random.ts';

/**
 * Who knows whom, built once before any line is written. Customers of a region are laid out in a
 * shuffled ring: neighbours on the ring are mutual contacts (a clustered, reciprocal graph, as
 * call graphs are), consecutive runs of the ring are families, and a few extra one-way contacts
 * reach across the region and the country. Memory is a few typed arrays, 14 bytes a customer.
 */
export interface SocialGraph {
  readonly customers: number;
  readonly regionOf: Uint8Array;
  /** Customer indexes grouped by region (`regionStart`), shuffled within each region. */
  readonly ring: Int32Array;
  readonly positionOf: Int32Array;
  readonly regionStart: Int32Array;
  /** By ring position: where the family group holding it starts, and its size (1 = no family). */
  readonly familyStart: Int32Array;
  readonly familySize: Uint8Array;
  readonly key: number;
  /** Mean relation rows a customer writes when one was asked for; null keeps the demo's own mix. */
  readonly relationsPerCustomer: number | null;
  /** Most relation rows (and so contacts) one customer may write. */
  readonly maxRelations: number;
}

/** Purposes of the per-customer random streams, so each is independent of the others. */
export const STREAM = { region: 1, shuffle: 2, family: 3, ringEdge: 4, customer: 5 } as const;

const REGION_CHOICE = weighted(
  DEMO_REGIONS.map((region, index): readonly [number, number] => [index, region.populationWeight]),
);

/** Family group sizes: about a third of customers share a family with one to three others. */
const FAMILY_SIZE = weighted<number>([
  [1, 0.82],
  [2, 0.09],
  [3, 0.06],
  [4, 0.03],
]);

/** Chance that ring neighbours 1, 2 and 3 places apart know each other. */
const RING_EDGE_PROBABILITY: readonly number[] = [0, 0.9, 0.5, 0.25];
const RING_REACH = 3;

const UINT32_RANGE = 4_294_967_296;

export const buildSocialGraph = (options: {
  readonly customers: number;
  readonly key: number;
  readonly rng: DemoRandom;
  readonly relationsPerCustomer?: number | undefined;
}): SocialGraph => {
  const { customers, key, rng } = options;
  const relationsPerCustomer = options.relationsPerCustomer ?? null;
  const regionOf = new Uint8Array(customers);
  const regionStart = new Int32Array(DEMO_REGIONS.length + 1);
  rng.reseed(key, STREAM.region, 0);
  for (let index = 0; index < customers; index++) {
    const region = draw(rng, REGION_CHOICE);
    regionOf[index] = region;
    regionStart[region + 1] = (regionStart[region + 1] ?? 0) + 1;
  }
  for (let region = 0; region < DEMO_REGIONS.length; region++) {
    regionStart[region + 1] = (regionStart[region + 1] ?? 0) + (regionStart[region] ?? 0);
  }

  const ring = new Int32Array(customers);
  const cursor = regionStart.slice(0, DEMO_REGIONS.length);
  for (let index = 0; index < customers; index++) {
    const region = regionOf[index] ?? 0;
    const slot = cursor[region] ?? 0;
    ring[slot] = index;
    cursor[region] = slot + 1;
  }

  // Shuffled so that contacts do not have neighbouring ids.
  rng.reseed(key, STREAM.shuffle, 0);
  for (let region = 0; region < DEMO_REGIONS.length; region++) {
    const start = regionStart[region] ?? 0;
    for (let last = (regionStart[region + 1] ?? 0) - 1; last > start; last--) {
      const other = rng.int(start, last);
      const held = ring[last] ?? 0;
      ring[last] = ring[other] ?? 0;
      ring[other] = held;
    }
  }
  const positionOf = new Int32Array(customers);
  for (let position = 0; position < customers; position++) positionOf[ring[position] ?? 0] = position;

  const familyStart = new Int32Array(customers);
  const familySize = new Uint8Array(customers);
  rng.reseed(key, STREAM.family, 0);
  for (let region = 0; region < DEMO_REGIONS.length; region++) {
    const end = regionStart[region + 1] ?? 0;
    let position = regionStart[region] ?? 0;
    while (position < end) {
      const size = Math.min(draw(rng, FAMILY_SIZE), end - position);
      familyStart.fill(position, position, position + size);
      familySize.fill(size, position, position + size);
      position += size;
    }
  }
  return {
    customers,
    regionOf,
    ring,
    positionOf,
    regionStart,
    familyStart,
    familySize,
    key,
    relationsPerCustomer,
    maxRelations:
      relationsPerCustomer === null ? MAX_RELATIONS_PER_CUSTOMER : relationRowLimit(relationsPerCustomer),
  };
};

export const CONTACT_FAMILY = 0;
export const CONTACT_RING = 1;
export const CONTACT_EXTRA = 2;

const MAX_CONTACTS = 8;
const MIN_CONTACTS = 3;
/** Relation rows one customer may write (call + sms + family), per the demo's 3–10 a customer. */
export const MAX_RELATIONS_PER_CUSTOMER = 10;
/** Largest `relationsPerCustomer` accepted: contact lists are scanned linearly. */
export const MAX_RELATIONS_PER_CUSTOMER_ASKED = 100;

const EXTRA_CONTACTS = weighted<number>([
  [0, 0.3],
  [1, 0.35],
  [2, 0.25],
  [3, 0.1],
]);
/** Share of extra contacts living in another region (friends who moved, work calls). */
const EXTRA_ELSEWHERE = 0.3;

/** Share of contacts that also get an SMS relation, by tier (family, ring, extra). */
export const SMS_CONTACT_SHARE: readonly number[] = [0.6, 0.35, 0.15];

/**
 * Relation rows one contact is expected to give, by tier: the call, the SMS by its share, and
 * the family tie. A row budget is filled with these, so the mean comes out as asked.
 */
const EXPECTED_ROWS: readonly number[] = SMS_CONTACT_SHARE.map(
  (share, tier) => 1 + share + (tier === CONTACT_FAMILY ? 1 : 0),
);

/**
 * Room for the largest budget drawn (1.5 times the mean) and then some: it bounds buffers, so
 * only a run of unlikely SMS draws on top of a full budget would reach it.
 */
const relationRowLimit = (relationsPerCustomer: number): number =>
  Math.max(MAX_RELATIONS_PER_CUSTOMER, Math.ceil(2.5 * relationsPerCustomer) + 6);

/** One customer's contacts, in a reusable buffer. */
export class ContactList {
  count = 0;
  readonly customer: Int32Array;
  /** CONTACT_FAMILY, CONTACT_RING or CONTACT_EXTRA. */
  readonly tier: Uint8Array;

  constructor(readonly capacity: number = MAX_RELATIONS_PER_CUSTOMER) {
    this.customer = new Int32Array(capacity);
    this.tier = new Uint8Array(capacity);
  }

  has(customer: number): boolean {
    for (let slot = 0; slot < this.count; slot++) if (this.customer[slot] === customer) return true;
    return false;
  }

  add(customer: number, tier: number): void {
    if (this.count >= this.capacity || this.has(customer)) return;
    this.customer[this.count] = customer;
    this.tier[this.count] = tier;
    this.count++;
  }
}

const ringEdge = (graph: SocialGraph, position: number, distance: number): boolean =>
  hash32(graph.key, STREAM.ringEdge, position, distance) <
  (RING_EDGE_PROBABILITY[distance] ?? 0) * UINT32_RANGE;

/** Fills `out` with the contacts of customer `index`: family first, then ring neighbours, then extras. */
export const collectContacts = (options: {
  readonly graph: SocialGraph;
  readonly index: number;
  readonly rng: DemoRandom;
  readonly out: ContactList;
}): void => {
  const { graph, index, out } = options;
  out.count = 0;
  const position = graph.positionOf[index] ?? 0;
  const familyFrom = graph.familyStart[position] ?? position;
  const familyTo = familyFrom + (graph.familySize[position] ?? 1);
  for (let member = familyFrom; member < familyTo; member++) {
    if (member !== position) out.add(graph.ring[member] ?? 0, CONTACT_FAMILY);
  }
  if (graph.relationsPerCustomer === null) addDemoContacts(options);
  else addBudgetedContacts({ ...options, relationsPerCustomer: graph.relationsPerCustomer });
};

interface ContactDraw {
  readonly graph: SocialGraph;
  readonly index: number;
  readonly rng: DemoRandom;
  readonly out: ContactList;
}

/** Where a customer sits: its region's slice of the ring and its place in it. */
interface RegionSlice {
  readonly start: number;
  readonly size: number;
  readonly position: number;
}

const regionSlice = (graph: SocialGraph, index: number): RegionSlice => {
  const region = graph.regionOf[index] ?? 0;
  const start = graph.regionStart[region] ?? 0;
  const size = (graph.regionStart[region + 1] ?? 0) - start;
  return { start, size, position: graph.positionOf[index] ?? 0 };
};

/** Offers the ring neighbours up to RING_REACH places away, nearest first. */
const offerRingNeighbours = (
  graph: SocialGraph,
  { start, size, position }: RegionSlice,
  offer: (customer: number, tier: number) => void,
): void => {
  const local = position - start;
  for (let distance = 1; distance <= RING_REACH && size > 1; distance++) {
    const right = start + ((local + distance) % size);
    if (ringEdge(graph, position, distance)) offer(graph.ring[right] ?? 0, CONTACT_RING);
    const left = start + ((((local - distance) % size) + size) % size);
    if (ringEdge(graph, left, distance)) offer(graph.ring[left] ?? 0, CONTACT_RING);
  }
};

/** A random customer: mostly from the same region, sometimes from anywhere. */
const extraCandidate = (graph: SocialGraph, { start, size }: RegionSlice, rng: DemoRandom): number =>
  rng.chance(EXTRA_ELSEWHERE) || size < 2
    ? rng.int(0, graph.customers - 1)
    : (graph.ring[start + rng.int(0, size - 1)] ?? 0);

/** The demo's own mix: 3 to 8 contacts and at most MAX_RELATIONS_PER_CUSTOMER rows. */
const addDemoContacts = ({ graph, index, rng, out }: ContactDraw): void => {
  const limit = Math.min(MAX_CONTACTS, MAX_RELATIONS_PER_CUSTOMER - out.count);
  const offer = (customer: number, tier: number): void => {
    if (customer !== index && out.count < limit) out.add(customer, tier);
  };
  const slice = regionSlice(graph, index);
  offerRingNeighbours(graph, slice, offer);
  const wanted = Math.min(limit, Math.max(MIN_CONTACTS, out.count + draw(rng, EXTRA_CONTACTS)));
  for (let attempt = 0; out.count < wanted && attempt < 24 && graph.customers > 1; attempt++) {
    offer(extraCandidate(graph, slice, rng), CONTACT_EXTRA);
  }
};

/**
 * A density asked for: each customer draws a row budget between half and one and a half times
 * the mean, and takes ring neighbours, then extras, while a contact's expected rows bring the
 * total nearer the budget. Family ties are always kept (they are written from both ends), so
 * means below about six come out somewhat higher: 4.6 rows for 4, 1.8 at the least.
 */
const addBudgetedContacts = (input: ContactDraw & { readonly relationsPerCustomer: number }): void => {
  const { graph, index, rng, out } = input;
  const budget = input.relationsPerCustomer * rng.between(0.5, 1.5);
  let expected = 0;
  for (let slot = 0; slot < out.count; slot++) expected += EXPECTED_ROWS[out.tier[slot] ?? 0] ?? 0;
  const fits = (tier: number): boolean =>
    out.count < out.capacity && expected + (EXPECTED_ROWS[tier] ?? 0) / 2 <= budget;
  const offer = (customer: number, tier: number): void => {
    if (customer === index || !fits(tier)) return;
    const before = out.count;
    out.add(customer, tier);
    if (out.count > before) expected += EXPECTED_ROWS[tier] ?? 0;
  };
  const slice = regionSlice(graph, index);
  offerRingNeighbours(graph, slice, offer);
  // Bounded: in a tiny base most candidates are already contacts.
  const attempts = 24 + 4 * out.capacity;
  for (let attempt = 0; fits(CONTACT_EXTRA) && attempt < attempts && graph.customers > 1; attempt++) {
    offer(extraCandidate(graph, slice, rng), CONTACT_EXTRA);
  }
};
