/**
 * The demo operator's world: regions, tariffs, products and names. Values must stay within the
 * enums of the demo workspace schema (`cvm.config.yaml`); the tests check every file against it.
 */

export interface DemoRegion {
  readonly name: string;
  readonly timezone: string;
  /**
   * Russia has kept fixed offsets without daylight saving since October 2014, so one offset
   * holds for the whole year of history; a test checks it against the ICU time-zone data.
   */
  readonly utcOffsetHours: number;
  /** Relative subscriber base of the operator's macro-region. */
  readonly populationWeight: number;
}

export const DEMO_REGIONS: readonly [DemoRegion, ...DemoRegion[]] = [
  { name: 'kaliningrad', timezone: 'Europe/Kaliningrad', utcOffsetHours: 2, populationWeight: 1 },
  { name: 'moscow', timezone: 'Europe/Moscow', utcOffsetHours: 3, populationWeight: 40 },
  { name: 'saint_petersburg', timezone: 'Europe/Moscow', utcOffsetHours: 3, populationWeight: 14 },
  { name: 'samara', timezone: 'Europe/Samara', utcOffsetHours: 4, populationWeight: 6 },
  { name: 'yekaterinburg', timezone: 'Asia/Yekaterinburg', utcOffsetHours: 5, populationWeight: 13 },
  { name: 'omsk', timezone: 'Asia/Omsk', utcOffsetHours: 6, populationWeight: 2 },
  { name: 'novosibirsk', timezone: 'Asia/Novosibirsk', utcOffsetHours: 7, populationWeight: 8 },
  { name: 'krasnoyarsk', timezone: 'Asia/Krasnoyarsk', utcOffsetHours: 7, populationWeight: 4 },
  { name: 'irkutsk', timezone: 'Asia/Irkutsk', utcOffsetHours: 8, populationWeight: 3 },
  { name: 'yakutsk', timezone: 'Asia/Yakutsk', utcOffsetHours: 9, populationWeight: 1 },
  { name: 'vladivostok', timezone: 'Asia/Vladivostok', utcOffsetHours: 10, populationWeight: 3.5 },
  { name: 'magadan', timezone: 'Asia/Magadan', utcOffsetHours: 11, populationWeight: 0.3 },
  { name: 'kamchatka', timezone: 'Asia/Kamchatka', utcOffsetHours: 12, populationWeight: 0.4 },
];

export const TARIFFS = ['basic', 'smart', 'smart_plus', 'unlimited', 'family', 'business'] as const;
export type Tariff = (typeof TARIFFS)[number];

/** Tariffs a customer can move between with a plan change; business lines stay on `business`. */
export const PREPAID_TARIFFS: readonly [Tariff, ...Tariff[]] = ['basic', 'smart', 'smart_plus', 'unlimited'];
export const POSTPAID_TARIFFS: readonly [Tariff, ...Tariff[]] = [
  'smart',
  'smart_plus',
  'unlimited',
  'family',
];

/** Monthly ARPU range in kopecks. */
export const TARIFF_ARPU_KOPECKS: Readonly<Record<Tariff, readonly [number, number]>> = {
  basic: [25_000, 45_000],
  smart: [45_000, 75_000],
  smart_plus: [70_000, 110_000],
  unlimited: [100_000, 160_000],
  family: [80_000, 140_000],
  business: [120_000, 250_000],
};

/** Monthly data allowance choices in GB; 0 means pay-as-you-go. */
export const TARIFF_DATA_GB: Readonly<Record<Tariff, readonly [number, ...number[]]>> = {
  basic: [0, 3, 5],
  smart: [10, 15],
  smart_plus: [25, 30, 40],
  unlimited: [100],
  family: [40, 50],
  business: [20, 40, 60],
};

export const TOPUP_CHANNELS = ['app', 'bank_card', 'terminal', 'retail', 'autopay'] as const;
export type TopupChannel = (typeof TOPUP_CHANNELS)[number];

export const PRODUCTS = ['data_5gb', 'data_20gb', 'roaming_pack', 'extra_minutes', 'music', 'tv'] as const;
export type Product = (typeof PRODUCTS)[number];

export const PRODUCT_PRICE_KOPECKS: Readonly<Record<Product, number>> = {
  data_5gb: 15_000,
  data_20gb: 40_000,
  roaming_pack: 99_000,
  extra_minutes: 10_000,
  music: 16_900,
  tv: 29_900,
};

/** Transliterated first names and surnames (male, female) for plausible example.* e-mail addresses. */
export const FEMALE_FIRST_NAMES: readonly [string, ...string[]] = [
  'anna',
  'maria',
  'elena',
  'olga',
  'natalia',
  'irina',
  'svetlana',
  'tatiana',
  'ekaterina',
  'yulia',
  'daria',
  'anastasia',
];
export const MALE_FIRST_NAMES: readonly [string, ...string[]] = [
  'alexander',
  'sergey',
  'dmitry',
  'andrey',
  'alexey',
  'ivan',
  'mikhail',
  'nikolai',
  'pavel',
  'maxim',
  'artem',
  'roman',
];
export const SURNAMES: readonly [readonly [string, string], ...(readonly [string, string])[]] = [
  ['ivanov', 'ivanova'],
  ['smirnov', 'smirnova'],
  ['kuznetsov', 'kuznetsova'],
  ['popov', 'popova'],
  ['vasiliev', 'vasilieva'],
  ['petrov', 'petrova'],
  ['sokolov', 'sokolova'],
  ['mikhailov', 'mikhailova'],
  ['novikov', 'novikova'],
  ['fedorov', 'fedorova'],
  ['morozov', 'morozova'],
  ['volkov', 'volkova'],
  ['lebedev', 'lebedeva'],
  ['kozlov', 'kozlova'],
];
/** Reserved example domains (RFC 2606): a demo must never address a real mailbox. */
export const EMAIL_DOMAINS: readonly [string, ...string[]] = ['example.com', 'example.org', 'example.net'];

/**
 * Relative activity by local hour (0–23): quiet at night, busy late morning and evening.
 * Events are placed with it in each customer's own time zone.
 */
export const LOCAL_HOUR_WEIGHTS: readonly number[] = [
  0.3, 0.15, 0.1, 0.08, 0.08, 0.15, 0.5, 1.5, 3, 4.5, 5.5, 6, 6.5, 6.5, 6, 6, 6, 6.5, 7, 7.5, 7, 5.5, 3.5,
  1.5,
];
