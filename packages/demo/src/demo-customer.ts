import {
  DEMO_REGIONS,
  type DemoRegion,
  EMAIL_DOMAINS,
  FEMALE_FIRST_NAMES,
  MALE_FIRST_NAMES,
  POSTPAID_TARIFFS,
  PREPAID_TARIFFS,
  SURNAMES,
  TARIFF_ARPU_KOPECKS,
  TARIFF_DATA_GB,
  type Tariff,
  type TopupChannel,
} from './demo-catalog.ts';
import { type DemoRandom, draw, weighted } from './demo-random.ts';
import { SECONDS_PER_DAY, twoDigits } from './demo-time.ts';

/** What is fixed about the generated world before any customer is drawn. */
export interface DemoWorld {
  readonly customers: number;
  readonly asOfSecond: number;
  readonly asOfDay: number;
  /** Start of the year of event history (`asOf` minus 365 days). */
  readonly historyStart: number;
  readonly monthStartDays: readonly number[];
  readonly idWidth: number;
  readonly msisdnMultiplier: number;
  readonly msisdnOffset: number;
  readonly formatDay: (day: number) => string;
  readonly formatTimestamp: (second: number) => string;
}

/** The drawn facts about one customer that its events and relations depend on. */
export interface CustomerProfile {
  readonly index: number;
  /** Zero-padded customer number shared by the customer id and its event ids. */
  readonly digits: string;
  readonly id: string;
  readonly region: DemoRegion;
  readonly offsetSeconds: number;
  readonly isBusiness: boolean;
  readonly prepaid: boolean;
  /** The tariff as of `asOf`; plan changes in the history lead up to it. */
  readonly tariff: Tariff;
  readonly featurePhone: boolean;
  readonly hasApp: boolean;
  readonly dataPlanGb: number;
  /** Usage level relative to a typical customer (light ≈ 0.45, heavy ≈ 2.3). */
  readonly activity: number;
  /** Monthly spend while active, in kopecks. */
  readonly spendKopecks: number;
  /** Events fall in [activeStart, activeEnd): from activation (or the start of history) to churn (or asOf). */
  readonly activeStart: number;
  readonly activeEnd: number;
  readonly churned: boolean;
  /** How long activity thins out before a churner stops. */
  readonly fadeSeconds: number;
  readonly topupsPerMonth: number;
  readonly topupChannel: TopupChannel;
  readonly billingDay: number;
}

export const CUSTOMER_HEADER =
  'id,timezone,locale,msisdn,email,push_token,consent_sms_marketing,consent_sms_service,consent_email_marketing,consent_email_service,consent_push_marketing,consent_push_service,region,plan_type,tariff,birth_date,gender,activation_date,arpu,device_os,data_plan_gb,is_business';

const BUSINESS_SHARE = 0.05;
/** Among consumer lines; with business lines all postpaid this gives ~80% prepaid overall. */
const CONSUMER_POSTPAID_SHARE = 0.158;
/** Churners are drawn only among customers active long enough, so this is a little above the 20% aimed at. */
const CHURN_SHARE = 0.205;
const MIN_DAYS_BEFORE_CHURN = 30;
const ADULT_DAYS = Math.round(16 * 365.2425);
const ARPU_WINDOW_SECONDS = 90 * SECONDS_PER_DAY;

const PREPAID_TARIFF = weighted<Tariff>([
  ['basic', 40],
  ['smart', 35],
  ['smart_plus', 18],
  ['unlimited', 7],
]);
const POSTPAID_TARIFF = weighted<Tariff>([
  ['smart', 30],
  ['smart_plus', 35],
  ['unlimited', 25],
  ['family', 10],
]);
const ACTIVITY_TIER = weighted<'light' | 'typical' | 'heavy'>([
  ['light', 0.3],
  ['typical', 0.5],
  ['heavy', 0.2],
]);
const TOPUPS_PER_MONTH = weighted<number>([
  [1, 0.92],
  [2, 0.07],
  [3, 0.01],
]);
const HEAVY_TOPUPS_PER_MONTH = weighted<number>([
  [1, 0.4],
  [2, 0.35],
  [3, 0.15],
  [4, 0.1],
]);
const APP_USER_TOPUP_CHANNEL = weighted<TopupChannel>([
  ['app', 45],
  ['bank_card', 25],
  ['autopay', 10],
  ['terminal', 10],
  ['retail', 10],
]);
const TOPUP_CHANNEL = weighted<TopupChannel>([
  ['bank_card', 35],
  ['terminal', 25],
  ['retail', 30],
  ['autopay', 10],
]);

/** Ages 18–80, most between 25 and 45. */
const drawAge = (rng: DemoRandom): number => {
  const band = rng.float();
  if (band < 0.12) return rng.int(18, 24);
  if (band < 0.7) return rng.int(25, 45);
  if (band < 0.9) return rng.int(46, 60);
  return rng.int(61, 80);
};

const drawTariff = (
  rng: DemoRandom,
  line: { isBusiness: boolean; prepaid: boolean; inFamily: boolean },
): Tariff => {
  if (line.isBusiness) return 'business';
  if (line.prepaid) return draw(rng, PREPAID_TARIFF);
  return line.inFamily && rng.chance(0.5) ? 'family' : draw(rng, POSTPAID_TARIFF);
};

/** `true` / `false` / empty (never asked) with the given shares. */
const consent = (rng: DemoRandom, granted: number, refused: number): string => {
  const roll = rng.float();
  if (roll < granted) return 'true';
  if (roll < granted + refused) return 'false';
  return '';
};

const hex32 = (rng: DemoRandom): string => rng.uint32().toString(16).padStart(8, '0');

/** `(a * b) mod 1e9` without leaving safe integers (a, b < 1e9). */
const mulMod1e9 = (a: number, b: number): number => {
  const high = Math.floor(b / 100_000);
  const low = b % 100_000;
  return (((a * high) % 1_000_000_000) * 100_000 + a * low) % 1_000_000_000;
};

/**
 * A multiplier coprime with 10^9 makes `index → index * m + c (mod 10^9)` a bijection: unique
 * numbers for up to a billion customers that do not look sequential.
 */
export const msisdnMultiplier = (key: number): number => {
  let multiplier = (key % 900_000_000) + 100_000_001;
  if (multiplier % 2 === 0) multiplier++;
  if (multiplier % 5 === 0) multiplier += 2;
  return multiplier;
};

export const customerDigits = (index: number, width: number): string =>
  String(index + 1).padStart(width, '0');

export interface DrawnCustomer {
  readonly profile: CustomerProfile;
  readonly line: string;
}

/** Draws one customer from `rng` (already seeded for it) and renders its customers.csv line. */
export const drawCustomer = (options: {
  readonly world: DemoWorld;
  readonly index: number;
  readonly regionIndex: number;
  readonly inFamily: boolean;
  readonly rng: DemoRandom;
}): DrawnCustomer => {
  const { world, index, rng } = options;
  const region = DEMO_REGIONS[options.regionIndex] ?? DEMO_REGIONS[0];
  const digits = customerDigits(index, world.idWidth);
  const id = `C${digits}`;

  const isBusiness = rng.chance(BUSINESS_SHARE);
  const prepaid = !isBusiness && !rng.chance(CONSUMER_POSTPAID_SHARE);
  const female = rng.chance(0.52);
  const age = drawAge(rng);
  const birthDay = world.asOfDay - Math.floor((age + rng.between(0.01, 0.99)) * 365.2425);

  const featurePhoneShare = isBusiness ? 0.02 : age >= 60 ? 0.3 : age >= 45 ? 0.1 : 0.04;
  const featurePhone = rng.chance(featurePhoneShare);
  const deviceOs = featurePhone ? 'feature_phone' : rng.chance(0.33) ? 'ios' : 'android';
  const hasApp = !featurePhone && rng.chance(isBusiness ? 0.4 : age < 45 ? 0.65 : 0.45);

  // Feature phones mostly sit on the cheapest plan.
  const tariff =
    featurePhone && prepaid && rng.chance(0.85)
      ? 'basic'
      : drawTariff(rng, { isBusiness, prepaid, inFamily: options.inFamily });
  const dataPlanGb = featurePhone ? 0 : rng.pick(TARIFF_DATA_GB[tariff]);

  const tier = draw(rng, ACTIVITY_TIER);
  const activity =
    tier === 'light'
      ? rng.between(0.3, 0.6)
      : tier === 'typical'
        ? rng.between(0.8, 1.2)
        : rng.between(1.8, 2.8);
  const [arpuMin, arpuMax] = TARIFF_ARPU_KOPECKS[tariff];
  const spendKopecks = Math.round(rng.int(arpuMin, arpuMax) * (0.9 + 0.1 * activity));

  const tenureDays = rng.chance(0.04) ? rng.int(1, 120) : rng.int(121, 3650);
  const activationDay = Math.max(world.asOfDay - tenureDays, birthDay + ADULT_DAYS);
  const activeStart = Math.max(world.historyStart, activationDay * SECONDS_PER_DAY);
  const lifetime = world.asOfSecond - activeStart;
  const churned = lifetime >= 2 * MIN_DAYS_BEFORE_CHURN * SECONDS_PER_DAY && rng.chance(CHURN_SHARE);
  const earliestChurn = activeStart + MIN_DAYS_BEFORE_CHURN * SECONDS_PER_DAY;
  const activeEnd = churned
    ? Math.floor(earliestChurn + rng.float() * (world.asOfSecond - SECONDS_PER_DAY - earliestChurn))
    : world.asOfSecond;
  const fadeSeconds = rng.int(14, 56) * SECONDS_PER_DAY;

  // ARPU covers the last three months, so it falls (to zero) for customers who have left.
  const arpuShare = Math.min(
    1,
    Math.max(0, (activeEnd - (world.asOfSecond - ARPU_WINDOW_SECONDS)) / ARPU_WINDOW_SECONDS),
  );
  const arpuKopecks = Math.round(spendKopecks * arpuShare);

  const topupsPerMonth = prepaid ? draw(rng, activity > 1.5 ? HEAVY_TOPUPS_PER_MONTH : TOPUPS_PER_MONTH) : 0;
  const topupChannel = draw(rng, hasApp ? APP_USER_TOPUP_CHANNEL : TOPUP_CHANNEL);
  const billingDay = rng.int(1, 28);

  const locale = rng.chance(0.1) ? 'en' : 'ru';
  const msisdn = `+79${String((mulMod1e9(index, world.msisdnMultiplier) + world.msisdnOffset) % 1_000_000_000).padStart(9, '0')}`;
  const hasEmail = rng.chance(isBusiness ? 0.92 : age < 35 ? 0.7 : age < 55 ? 0.6 : 0.4);
  let email = '';
  if (hasEmail) {
    const first = rng.pick(female ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES);
    const [maleSurname, femaleSurname] = rng.pick(SURNAMES);
    // The customer number keeps addresses unique: names never end in digits.
    email = `${first}${rng.pick(['.', '_', ''])}${female ? femaleSurname : maleSurname}${index + 1}@${rng.pick(EMAIL_DOMAINS)}`;
  }
  const pushToken = hasApp
    ? `${deviceOs === 'ios' ? 'apns' : 'fcm'}-${hex32(rng)}${hex32(rng)}${hex32(rng)}${hex32(rng)}`
    : '';

  const consents = [
    consent(rng, 0.84, 0.13),
    consent(rng, 0.99, 0.005),
    hasEmail ? consent(rng, 0.6, 0.35) : '',
    hasEmail ? consent(rng, 0.98, 0.02) : '',
    hasApp ? consent(rng, 0.7, 0.3) : '',
    hasApp ? consent(rng, 0.97, 0.03) : '',
  ].join(',');

  const arpu = `${Math.floor(arpuKopecks / 100)}.${twoDigits(arpuKopecks % 100)}`;
  const line = `${id},${region.timezone},${locale},${msisdn},${email},${pushToken},${consents},${region.name},${prepaid ? 'prepaid' : 'postpaid'},${tariff},${world.formatDay(birthDay)},${female ? 'female' : 'male'},${world.formatDay(activationDay)},${arpu},${deviceOs},${dataPlanGb},${isBusiness}`;

  return {
    line,
    profile: {
      index,
      digits,
      id,
      region,
      offsetSeconds: region.utcOffsetHours * 3600,
      isBusiness,
      prepaid,
      tariff,
      featurePhone,
      hasApp,
      dataPlanGb,
      activity,
      spendKopecks,
      activeStart,
      activeEnd,
      churned,
      fadeSeconds,
      topupsPerMonth,
      topupChannel,
      billingDay,
    },
  };
};

/** Tariffs the customer could have been on before a plan change. */
export const switchableTariffs = (profile: CustomerProfile): readonly [Tariff, ...Tariff[]] =>
  profile.prepaid ? PREPAID_TARIFFS : POSTPAID_TARIFFS;
