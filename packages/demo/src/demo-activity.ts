import type { CsvChunkWriter } from './csv-chunk-writer.ts';
import {
  PRODUCT_PRICE_KOPECKS,
  PRODUCTS,
  type Product,
  TARIFFS,
  type Tariff,
  TOPUP_CHANNELS,
  type TopupChannel,
} from './demo-catalog.ts';
import { type CustomerProfile, customerDigits, type DemoWorld, switchableTariffs } from './demo-customer.ts';
import { type DemoRandom, draw, weighted } from './demo-random.ts';
import { localDaytime, SECONDS_PER_DAY, SECONDS_PER_YEAR, twoDigits } from './demo-time.ts';
import {
  CONTACT_FAMILY,
  CONTACT_RING,
  ContactList,
  collectContacts,
  SMS_CONTACT_SHARE,
  type SocialGraph,
} from './social-graph.ts';

export const EVENT_HEADER =
  'id,customer_id,type,ts,amount,currency,topup_channel,product,mb,duration_s,callee_id,from_tariff,to_tariff,reason';
export const RELATION_HEADER = 'src,dst,kind,weight';

const TOPUP = 0;
const BILL_PAYMENT = 1;
const PURCHASE = 2;
const DATA_SESSION = 3;
const CALL = 4;
const SMS = 5;
const APP_OPEN = 6;
const PLAN_CHANGE = 7;
const PAYMENT_FAILED = 8;

const PAYMENT_FAILURE_REASONS = ['insufficient_funds', 'card_expired', 'declined'] as const;

const tariffCode = (tariff: Tariff): number => TARIFFS.indexOf(tariff);

const AVERAGE_MONTH_SECONDS = 30.44 * SECONDS_PER_DAY;

/**
 * Yearly event rates for a typical customer (activity 1). With a monthly top-up or bill they give
 * about 20 events a customer a year once churn and new activations are counted in.
 */
const DATA_SESSIONS_PER_YEAR = 3.8;
const FEATURE_PHONE_DATA_SESSIONS_PER_YEAR = 0.5;
const CALLS_PER_YEAR = 2;
const SMS_PER_YEAR = 0.9;
const APP_OPENS_PER_YEAR = 4;
const PURCHASES_PER_YEAR = 0.6;
const FEATURE_PHONE_PURCHASES_PER_YEAR = 0.2;

const PURCHASE_PRODUCT = weighted<number>([
  [PRODUCTS.indexOf('data_5gb'), 35],
  [PRODUCTS.indexOf('data_20gb'), 15],
  [PRODUCTS.indexOf('roaming_pack'), 8],
  [PRODUCTS.indexOf('extra_minutes'), 12],
  [PRODUCTS.indexOf('music'), 15],
  [PRODUCTS.indexOf('tv'), 15],
]);
const FEATURE_PHONE_PRODUCT = PRODUCTS.indexOf('extra_minutes');

/** Upper bound of events kept for one customer; the heaviest draw well under it. */
const MAX_EVENTS = 2048;

/** One customer's events in struct-of-arrays form, reused across customers. */
class EventBuffer {
  count = 0;
  readonly second = new Float64Array(MAX_EVENTS);
  readonly type = new Uint8Array(MAX_EVENTS);
  /** Amount in kopecks, megabytes in tenths, duration in seconds or the from-tariff code. */
  readonly value = new Float64Array(MAX_EVENTS);
  /** Channel or product code, the callee's contact slot or the to-tariff code. */
  readonly detail = new Int32Array(MAX_EVENTS);
  readonly order = new Int32Array(MAX_EVENTS);

  push(second: number, type: number, value: number, detail: number): void {
    if (this.count >= MAX_EVENTS) return;
    this.second[this.count] = second;
    this.type[this.count] = type;
    this.value[this.count] = value;
    this.detail[this.count] = detail;
    this.count++;
  }

  /** Orders `order` by time; insertion sort, as a customer holds a few dozen events. Ties keep draw order. */
  sortByTime(): void {
    const { order, second } = this;
    for (let slot = 0; slot < this.count; slot++) {
      const event = slot;
      const at = second[event] ?? 0;
      let hole = slot;
      while (hole > 0 && (second[order[hole - 1] ?? 0] ?? 0) > at) {
        order[hole] = order[hole - 1] ?? 0;
        hole--;
      }
      order[hole] = event;
    }
  }
}

/** Buffers reused from one customer to the next, so the hot loop allocates little. */
export class ActivityScratch {
  readonly events = new EventBuffer();
  readonly contacts: ContactList;
  readonly contactIds: string[] = [];
  readonly callWeight: Float64Array;
  readonly smsWeight: Float64Array;

  /** `maxRelations`: the graph's most relation rows a customer, which also bounds its contacts. */
  constructor(readonly maxRelations: number) {
    this.contacts = new ContactList(maxRelations);
    this.callWeight = new Float64Array(maxRelations);
    this.smsWeight = new Float64Array(maxRelations);
  }
}

const money = (kopecks: number): string => `${Math.floor(kopecks / 100)}.${twoDigits(kopecks % 100)}`;

/** Top-ups come in round sums: 50s below 300 RUB, 100s above, between 100 and 1000 RUB. */
const roundTopup = (kopecks: number): number => {
  const roubles = kopecks / 100;
  const step = roubles < 300 ? 50 : 100;
  return Math.min(1000, Math.max(100, Math.round(roubles / step) * step)) * 100;
};

/** Picks a contact slot with probability proportional to `weights`; -1 when all are zero. */
const pickContact = (rng: DemoRandom, weights: Float64Array, count: number): number => {
  let total = 0;
  for (let slot = 0; slot < count; slot++) total += weights[slot] ?? 0;
  if (total <= 0) return -1;
  let target = rng.float() * total;
  for (let slot = 0; slot < count; slot++) {
    target -= weights[slot] ?? 0;
    if (target < 0) return slot;
  }
  return count - 1;
};

/** Call and SMS totals for the year per contact, the relation weights; SMS only while the row budget lasts. */
const weighContacts = (profile: CustomerProfile, rng: DemoRandom, scratch: ActivityScratch): void => {
  const { contacts, callWeight, smsWeight, maxRelations } = scratch;
  const activeShare = (profile.activeEnd - profile.activeStart) / SECONDS_PER_YEAR;
  const scale = Math.sqrt(profile.activity) * activeShare;
  let rows = contacts.count;
  for (let slot = 0; slot < contacts.count; slot++) if (contacts.tier[slot] === CONTACT_FAMILY) rows++;
  for (let slot = 0; slot < contacts.count; slot++) {
    const tier = contacts.tier[slot] ?? CONTACT_RING;
    const calls =
      tier === CONTACT_FAMILY
        ? rng.between(60, 250)
        : tier === CONTACT_RING
          ? rng.between(8, 90)
          : rng.between(1, 25);
    callWeight[slot] = Math.max(1, Math.round(calls * scale));
    smsWeight[slot] = 0;
    if (rows < maxRelations && rng.chance(SMS_CONTACT_SHARE[tier] ?? 0)) {
      smsWeight[slot] = Math.max(1, Math.round(rng.between(1, 30) * activeShare));
      rows++;
    }
  }
};

interface CustomerDraw {
  readonly world: DemoWorld;
  readonly profile: CustomerProfile;
  readonly rng: DemoRandom;
  readonly scratch: ActivityScratch;
}

/** Draws the customer's year of events into `scratch.events`. */
const drawEvents = ({ world, profile, rng, scratch }: CustomerDraw): void => {
  const events = scratch.events;
  events.count = 0;
  const { activeStart: start, activeEnd: end, offsetSeconds, fadeSeconds } = profile;
  if (end <= start) return;
  const fadeFrom = profile.churned ? end - fadeSeconds : Number.POSITIVE_INFINITY;
  /** A local daytime moment near `approx`, or -1 when it falls outside the active span or fades out. */
  const place = (approx: number): number => {
    const second = localDaytime(rng, approx, offsetSeconds);
    if (second < start || second >= end) return -1;
    if (second > fadeFrom && rng.float() >= (end - second) / fadeSeconds) return -1;
    return second;
  };
  const span = end - start;
  const years = span / SECONDS_PER_YEAR;
  const activity = profile.activity;

  if (profile.prepaid) {
    const autopay = profile.topupChannel === 'autopay';
    const period = AVERAGE_MONTH_SECONDS / profile.topupsPerMonth;
    const usual = roundTopup(profile.spendKopecks / profile.topupsPerMonth);
    const preferred = TOPUP_CHANNELS.indexOf(profile.topupChannel);
    for (let approx = start + rng.float() * period; approx < end; ) {
      const second = place(approx);
      if (second >= 0) {
        const amount = !autopay && rng.chance(0.25) ? roundTopup(usual * rng.between(0.5, 2)) : usual;
        const channel = autopay || rng.chance(0.85) ? preferred : otherChannel(rng, profile);
        events.push(second, TOPUP, amount, channel);
      }
      approx += autopay ? AVERAGE_MONTH_SECONDS : period * rng.between(0.75, 1.25);
    }
  } else {
    for (const monthStart of world.monthStartDays) {
      const late = rng.int(0, 10);
      const second = place((monthStart + profile.billingDay - 1 + late) * SECONDS_PER_DAY);
      if (second >= 0) {
        const amount = Math.round(profile.spendKopecks * rng.between(0.92, 1.12));
        events.push(second, BILL_PAYMENT, amount, 0);
        // A bill paid on the last day was refused the day before. Derived without a draw of its
        // own, so every other event of the seed stays as it was.
        if (late === 10 && second - SECONDS_PER_DAY >= start) {
          events.push(
            second - SECONDS_PER_DAY,
            PAYMENT_FAILED,
            amount,
            amount % PAYMENT_FAILURE_REASONS.length,
          );
        }
      }
    }
  }

  const dataSessions = rng.poisson(
    (profile.featurePhone ? FEATURE_PHONE_DATA_SESSIONS_PER_YEAR : DATA_SESSIONS_PER_YEAR) * activity * years,
  );
  const dailyMegabytes =
    (profile.dataPlanGb === 0 ? 60 : (profile.dataPlanGb * 1024) / 30) * (0.6 + 0.4 * activity);
  for (let drawn = 0; drawn < dataSessions; drawn++) {
    const second = place(start + rng.float() * span);
    if (second >= 0) {
      events.push(
        second,
        DATA_SESSION,
        Math.max(1, Math.round(dailyMegabytes * rng.between(0.15, 1.8) * 10)),
        0,
      );
    }
  }

  const { contacts, callWeight, smsWeight } = scratch;
  const calls = rng.poisson(CALLS_PER_YEAR * activity * years);
  for (let drawn = 0; drawn < calls; drawn++) {
    const slot = pickContact(rng, callWeight, contacts.count);
    const second = place(start + rng.float() * span);
    if (slot < 0 || second < 0) continue;
    const mean = contacts.tier[slot] === CONTACT_FAMILY ? 240 : 100;
    const duration = Math.min(3600, Math.max(3, Math.round(rng.exponential(mean))));
    events.push(second, CALL, duration, slot);
  }
  const messages = rng.poisson(SMS_PER_YEAR * (profile.featurePhone ? 1.5 : 1) * activity * years);
  for (let drawn = 0; drawn < messages; drawn++) {
    const slot = pickContact(rng, smsWeight, contacts.count);
    const second = place(start + rng.float() * span);
    if (slot >= 0 && second >= 0) events.push(second, SMS, 0, slot);
  }

  if (profile.hasApp) {
    const opens = rng.poisson(APP_OPENS_PER_YEAR * activity * years);
    for (let drawn = 0; drawn < opens; drawn++) {
      const second = place(start + rng.float() * span);
      if (second >= 0) events.push(second, APP_OPEN, 0, 0);
    }
  }

  const purchases = rng.poisson(
    (profile.featurePhone ? FEATURE_PHONE_PURCHASES_PER_YEAR : PURCHASES_PER_YEAR) * activity * years,
  );
  for (let drawn = 0; drawn < purchases; drawn++) {
    const second = place(start + rng.float() * span);
    if (second < 0) continue;
    const product = profile.featurePhone ? FEATURE_PHONE_PRODUCT : draw(rng, PURCHASE_PRODUCT);
    events.push(second, PURCHASE, productPrice(PRODUCTS[product]), product);
  }

  drawPlanChanges({ profile, rng, place, events });
};

const productPrice = (product: Product | undefined): number =>
  product === undefined ? 0 : PRODUCT_PRICE_KOPECKS[product];

const otherChannel = (rng: DemoRandom, profile: CustomerProfile): number => {
  const channel: TopupChannel = rng.pick(
    profile.hasApp ? ['app', 'bank_card', 'terminal', 'retail'] : ['bank_card', 'terminal', 'retail'],
  );
  return TOPUP_CHANNELS.indexOf(channel);
};

/**
 * Rare tariff moves. They are drawn as times first and then chained backwards from the current
 * tariff, so each change starts from the tariff the customer was on at that moment.
 */
const drawPlanChanges = ({
  profile,
  rng,
  place,
  events,
}: {
  readonly profile: CustomerProfile;
  readonly rng: DemoRandom;
  readonly place: (approx: number) => number;
  readonly events: EventBuffer;
}): void => {
  if (profile.isBusiness || profile.activeEnd - profile.activeStart < 30 * SECONDS_PER_DAY) return;
  const roll = rng.float();
  const wanted = roll < 0.06 ? 1 : roll < 0.07 ? 2 : 0;
  const seconds: number[] = [];
  for (let drawn = 0; drawn < wanted; drawn++) {
    const second = place(profile.activeStart + rng.float() * (profile.activeEnd - profile.activeStart));
    if (second >= 0) seconds.push(second);
  }
  seconds.sort((a, b) => b - a);
  const choices = switchableTariffs(profile);
  let after = profile.tariff;
  for (const second of seconds) {
    let before = rng.pick(choices);
    for (let attempt = 0; before === after && attempt < 8; attempt++) before = rng.pick(choices);
    if (before === after) continue;
    events.push(second, PLAN_CHANGE, tariffCode(before), tariffCode(after));
    after = before;
  }
};

const megabytes = (tenths: number): string => `${Math.floor(tenths / 10)}.${tenths % 10}`;

/** The columns after `ts` (amount … to_tariff); only those the event's type declares are filled. */
const eventTail = (events: EventBuffer, event: number, contactIds: readonly string[]): string => {
  const value = events.value[event] ?? 0;
  const detail = events.detail[event] ?? 0;
  switch (events.type[event]) {
    case TOPUP:
      return `${money(value)},RUB,${TOPUP_CHANNELS[detail] ?? ''},,,,,,,`;
    case BILL_PAYMENT:
      return `${money(value)},RUB,,,,,,,,`;
    case PURCHASE:
      return `${money(value)},RUB,,${PRODUCTS[detail] ?? ''},,,,,,`;
    case DATA_SESSION:
      return `,,,,${megabytes(value)},,,,,`;
    case CALL:
      return `,,,,,${value},${contactIds[detail] ?? ''},,,`;
    case SMS:
      return `,,,,,,${contactIds[detail] ?? ''},,,`;
    case PAYMENT_FAILED:
      return `${money(value)},RUB,,,,,,,,${PAYMENT_FAILURE_REASONS[detail] ?? ''}`;
    case PLAN_CHANGE:
      return `,,,,,,,${TARIFFS[value] ?? ''},${TARIFFS[detail] ?? ''},`;
    default:
      return ',,,,,,,,,';
  }
};

const EVENT_TYPE_NAMES: readonly string[] = [
  'topup',
  'bill_payment',
  'purchase',
  'data_session',
  'call',
  'sms',
  'app_open',
  'plan_change',
  'payment_failed',
];

/**
 * Draws one customer's contacts, year of events and relations and adds their lines. Draws come
 * from `rng` after the customer's own attributes, so every customer depends only on the seed.
 */
export const writeCustomerActivity = (
  input: CustomerDraw & {
    readonly graph: SocialGraph;
    readonly events: CsvChunkWriter;
    readonly relations: CsvChunkWriter;
  },
): void => {
  const { world, profile, rng, scratch } = input;
  const { contacts, contactIds, callWeight, smsWeight } = scratch;
  collectContacts({ graph: input.graph, index: profile.index, rng, out: contacts });
  for (let slot = 0; slot < contacts.count; slot++) {
    contactIds[slot] = `C${customerDigits(contacts.customer[slot] ?? 0, world.idWidth)}`;
  }
  weighContacts(profile, rng, scratch);
  drawEvents(input);

  const buffer = scratch.events;
  buffer.sortByTime();
  // Numbered in time order, so an id names the same event for the same seed.
  const idPrefix = `E${profile.digits}-`;
  const customerId = profile.id;
  for (let rank = 0; rank < buffer.count; rank++) {
    const event = buffer.order[rank] ?? 0;
    const type = EVENT_TYPE_NAMES[buffer.type[event] ?? APP_OPEN] ?? 'app_open';
    const timestamp = world.formatTimestamp(buffer.second[event] ?? 0);
    input.events.add(
      `${idPrefix}${String(rank + 1).padStart(4, '0')},${customerId},${type},${timestamp},${eventTail(buffer, event, contactIds)}`,
    );
  }

  for (let slot = 0; slot < contacts.count; slot++) {
    const contact = contactIds[slot] ?? '';
    input.relations.add(`${customerId},${contact},call,${callWeight[slot] ?? 1}`);
    if ((smsWeight[slot] ?? 0) > 0)
      input.relations.add(`${customerId},${contact},sms,${smsWeight[slot] ?? 1}`);
    // Family ties are written by each member, so they come in both directions.
    if (contacts.tier[slot] === CONTACT_FAMILY) input.relations.add(`${customerId},${contact},family,1`);
  }
};
