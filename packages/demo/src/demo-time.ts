import { LOCAL_HOUR_WEIGHTS } from './demo-catalog.ts';
import type { DemoRandom } from './demo-random.ts';

/** Times are whole seconds since the epoch (UTC); days are whole days since the epoch. */
export const SECONDS_PER_DAY = 86_400;
export const SECONDS_PER_YEAR = 365 * SECONDS_PER_DAY;

const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, value) =>
  String(value).padStart(2, '0'),
);

export const twoDigits = (value: number): string => TWO_DIGITS[value] ?? String(value).padStart(2, '0');

const isoDay = (day: number): string => new Date(day * SECONDS_PER_DAY * 1000).toISOString().slice(0, 10);

/** Formats days as `YYYY-MM-DD`, each distinct day once: a million customers share a few thousand dates. */
export const dayFormatter = (): ((day: number) => string) => {
  const cache = new Map<number, string>();
  return (day) => {
    let text = cache.get(day);
    if (text === undefined) {
      text = isoDay(day);
      cache.set(day, text);
    }
    return text;
  };
};

/**
 * Formats seconds as `YYYY-MM-DDTHH:MM:SSZ` without a Date per call: twenty million events reuse
 * one precomputed `YYYY-MM-DDT` prefix per day of the history.
 */
export const timestampFormatter = (fromSecond: number, toSecond: number): ((second: number) => string) => {
  const firstDay = Math.floor(fromSecond / SECONDS_PER_DAY);
  const lastDay = Math.floor(toSecond / SECONDS_PER_DAY);
  const prefixes = Array.from(
    { length: lastDay - firstDay + 1 },
    (_, offset) => `${isoDay(firstDay + offset)}T`,
  );
  return (second) => {
    const day = Math.floor(second / SECONDS_PER_DAY);
    const prefix = prefixes[day - firstDay] ?? `${isoDay(day)}T`;
    let rest = second - day * SECONDS_PER_DAY;
    const hour = Math.floor(rest / 3600);
    rest -= hour * 3600;
    const minute = Math.floor(rest / 60);
    return `${prefix}${twoDigits(hour)}:${twoDigits(minute)}:${twoDigits(rest - minute * 60)}Z`;
  };
};

/** First day of each calendar month (UTC) from the one holding `fromSecond` to the one holding `toSecond`. */
export const monthStartDays = (fromSecond: number, toSecond: number): readonly number[] => {
  const from = new Date(fromSecond * 1000);
  const days: number[] = [];
  for (let month = 0; ; month++) {
    const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + month, 1) / 1000;
    if (start > toSecond) return days;
    days.push(start / SECONDS_PER_DAY);
  }
};

const HOUR_TABLE_SIZE = 1024;

/** Maps the top ten bits of a draw to a local hour, so picking an hour costs one lookup. */
const HOUR_TABLE: Uint8Array = (() => {
  const table = new Uint8Array(HOUR_TABLE_SIZE);
  const total = LOCAL_HOUR_WEIGHTS.reduce((sum, weight) => sum + weight, 0);
  let hour = 0;
  let reached = LOCAL_HOUR_WEIGHTS[0] ?? 0;
  for (let slot = 0; slot < HOUR_TABLE_SIZE; slot++) {
    const position = ((slot + 0.5) / HOUR_TABLE_SIZE) * total;
    while (position > reached && hour < 23) {
      hour++;
      reached += LOCAL_HOUR_WEIGHTS[hour] ?? 0;
    }
    table[slot] = hour;
  }
  return table;
})();

/**
 * A moment on the local day around `approxSecond` at an hour drawn from the daily activity curve,
 * for a customer whose clock runs `offsetSeconds` ahead of UTC.
 */
export const localDaytime = (rng: DemoRandom, approxSecond: number, offsetSeconds: number): number => {
  const localDay = Math.floor((approxSecond + offsetSeconds) / SECONDS_PER_DAY);
  const hour = HOUR_TABLE[rng.uint32() >>> 22] ?? 12;
  return localDay * SECONDS_PER_DAY + hour * 3600 + Math.floor(rng.float() * 3600) - offsetSeconds;
};
