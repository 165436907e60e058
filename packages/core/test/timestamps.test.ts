import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateRow } from '../src/import/row-validation.ts';
import { zonedWallTimeToInstant } from '../src/time/time-zones.ts';
import { load, refusal, stored, telecom } from './row-fixtures.ts';

describe('timestamps', () => {
  const ts = (text: unknown): unknown => stored('signup_at', text);

  it('reads an offset or Z as given', () => {
    expect(ts('2024-06-01T12:00:00Z')).toBe('2024-06-01T12:00:00.000Z');
    expect(ts('2024-06-01T12:00Z')).toBe('2024-06-01T12:00:00.000Z');
    expect(ts('2024-06-01 12:00:00+03:00')).toBe('2024-06-01T09:00:00.000Z');
    expect(ts('2024-06-01 12:00:00+03')).toBe('2024-06-01T09:00:00.000Z');
    expect(ts('2024-06-01T12:00-0230')).toBe('2024-06-01T14:30:00.000Z');
    expect(ts('2024-06-01T00:30:00+05:30')).toBe('2024-05-31T19:00:00.000Z');
  });

  it('reads a wall time without an offset in the workspace time zone', () => {
    expect(ts('2024-06-01 12:00')).toBe('2024-06-01T10:00:00.000Z');
    expect(ts('2024-06-01T12:00:05')).toBe('2024-06-01T10:00:05.000Z');
    expect(ts('2024-01-15 12:00')).toBe('2024-01-15T11:00:00.000Z');
    // A date alone is midnight there.
    expect(ts('2024-01-15')).toBe('2024-01-14T23:00:00.000Z');
  });

  it('keeps milliseconds and drops finer digits', () => {
    expect(ts('2024-06-01T12:00:00.5Z')).toBe('2024-06-01T12:00:00.500Z');
    expect(ts('2024-06-01T12:00:00.123456Z')).toBe('2024-06-01T12:00:00.123Z');
    expect(ts('2024-06-01T12:00:00.999999Z')).toBe('2024-06-01T12:00:00.999Z');
  });

  it('moves a wall time skipped by the spring-forward gap forward by the gap', () => {
    // Berlin: 2024-03-31 02:00 CET becomes 03:00 CEST; 02:30 is read as 03:30 CEST.
    expect(ts('2024-03-31 01:59')).toBe('2024-03-31T00:59:00.000Z');
    expect(ts('2024-03-31 02:30')).toBe('2024-03-31T01:30:00.000Z');
    expect(ts('2024-03-31 03:30')).toBe('2024-03-31T01:30:00.000Z');
    expect(ts('2024-03-31 04:00')).toBe('2024-03-31T02:00:00.000Z');
  });

  it('takes the later instant of a wall time that happens twice, as DuckDB does', () => {
    // Berlin: 2024-10-27 03:00 CEST becomes 02:00 CET; 02:30 happens at 00:30Z and again at 01:30Z.
    expect(ts('2024-10-27 02:30')).toBe('2024-10-27T01:30:00.000Z');
    expect(ts('2024-10-27 02:30+01:00')).toBe('2024-10-27T01:30:00.000Z');
    expect(ts('2024-10-27 01:59')).toBe('2024-10-26T23:59:00.000Z');
    expect(ts('2024-10-27 03:00')).toBe('2024-10-27T02:00:00.000Z');
  });

  it('handles half-hour DST and zones far east of UTC', () => {
    // Lord Howe Island springs forward by 30 minutes: 02:15 does not exist and becomes 02:45 (+11:00).
    expect(
      new Date(zonedWallTimeToInstant(Date.UTC(2024, 9, 6, 2, 15), 'Australia/Lord_Howe')).toISOString(),
    ).toBe('2024-10-05T15:45:00.000Z');
    const kamchatka = load({ ...telecom, workspace: { ...telecom.workspace, timezone: 'Asia/Kamchatka' } });
    const result = validateRow(kamchatka, 'events', {
      id: 'e1',
      customer_id: 'C1',
      type: 'app_open',
      ts: '2026-01-01 00:30',
    });
    // New Year's first half hour in Kamchatka (UTC+12) is still the old year in UTC.
    expect(result.ok && result.value.ts).toBe('2025-12-31T12:30:00.000Z');
    const midnight = validateRow(kamchatka, 'events', {
      id: 'e2',
      customer_id: 'C1',
      type: 'app_open',
      ts: '2026-07-01',
    });
    expect(midnight.ok && midnight.value.ts).toBe('2026-06-30T12:00:00.000Z');
  });

  it('refuses anything but the ISO forms, and impossible dates and times', () => {
    for (const bad of [
      'yesterday',
      '2024-13-01 10:00',
      '2023-02-29 10:00',
      '2024-01-01 25:00',
      '2024-01-01 24:00',
      '2024-01-01 12:60',
      '2024-01-01 12:00:60',
      '2024-01-01 12',
      '2024-01-01 12:00:00.',
      '2024-01-01 12:00:00.1234567',
      '2024-6-1 12:00',
      '2024-06-01t12:00',
      '2024-06-01T12:00:00z',
      '2024-06-01Z',
      '2024-06-01 12:00 +02:00',
      '2024-06-01 12:00+2',
      '2024-06-01 12:00+24:00',
      '2024-06-01 12:00+05:60',
      '2024-06-01 12:00:00 Europe/Moscow',
      '0000-01-01 00:00',
      '9999-12-31 23:00-05:00',
      1_700_000_000,
    ]) {
      expect(refusal('signup_at', bad), String(bad)).toBe('expected a timestamp (ISO 8601)');
    }
  });

  const formatters = new Map<string, Intl.DateTimeFormat>();
  const formatterOf = (timeZone: string): Intl.DateTimeFormat => {
    const known = formatters.get(timeZone);
    if (known) return known;
    const created = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, created);
    return created;
  };

  /** The wall time of an instant in a zone, as UTC milliseconds: an oracle independent of the code under test. */
  const wallOf = (instant: number, timeZone: string): number => {
    const parts = formatterOf(timeZone).formatToParts(instant);
    const part = (type: Intl.DateTimeFormatPartTypes): number =>
      Number(parts.find((p) => p.type === type)?.value);
    return (
      Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second')) +
      (instant % 1000)
    );
  };

  /** UTC offset of a zone at an instant, by the oracle. */
  const offsetOf = (instant: number, timeZone: string): number => wallOf(instant, timeZone) - instant;

  const HOUR_MS = 3_600_000;
  const DAY_MS = 24 * HOUR_MS;
  const zones = [
    'Europe/Berlin',
    'America/New_York',
    'America/Santiago',
    'America/Havana',
    'Australia/Lord_Howe',
    'Pacific/Apia',
    'Asia/Tehran',
    'Africa/Casablanca',
    // Changes at 22:00 or 23:00 local time (01:00 UTC): the day before in wall time.
    'America/Nuuk',
    'Asia/Kamchatka',
    'Asia/Kolkata',
  ];

  /** Instants at which a zone's offset changes, 2005–2030, found by a daily scan and bisection. */
  const transitionsOf = (timeZone: string): number[] => {
    const found: number[] = [];
    for (let day = Date.UTC(2005, 0, 1); day < Date.UTC(2030, 0, 1); day += DAY_MS) {
      if (offsetOf(day, timeZone) === offsetOf(day + DAY_MS, timeZone)) continue;
      let low = day;
      let high = day + DAY_MS;
      while (high - low > 1000) {
        const middle = low + Math.floor((high - low) / 2000) * 1000;
        if (offsetOf(middle, timeZone) === offsetOf(low, timeZone)) low = middle;
        else high = middle;
      }
      found.push(high);
    }
    return found;
  };

  const transitions = zones.flatMap((zone) => transitionsOf(zone).map((at) => ({ zone, at })));

  /** A zone and an instant: anywhere in 1972–2037, or within three hours of an offset change. */
  const zonedInstant = fc.oneof(
    fc.record({
      zone: fc.constantFrom(...zones),
      instant: fc.integer({ min: Date.UTC(1972, 0, 1), max: Date.UTC(2037, 0, 1) }),
    }),
    fc.constantFrom(...transitions).chain(({ zone, at }) =>
      fc.record({
        zone: fc.constant(zone),
        instant: fc.integer({ min: at - 3 * HOUR_MS, max: at + 3 * HOUR_MS }),
      }),
    ),
  );

  it('finds offset changes to test around', () => {
    expect(transitions.filter(({ zone }) => zone === 'Europe/Berlin')).toHaveLength(50);
    expect(transitions.some(({ zone }) => zone === 'Australia/Lord_Howe')).toBe(true);
  });

  it('turns the wall time of any instant back into the latest instant that shows it', () => {
    fc.assert(
      fc.property(zonedInstant, ({ zone, instant }) => {
        const wall = wallOf(instant, zone);
        const back = zonedWallTimeToInstant(wall, zone);
        expect(wallOf(back, zone)).toBe(wall);
        expect(back).toBeGreaterThanOrEqual(instant);
        // Later only when the same wall time came round again after the clocks went back.
        if (back > instant) expect(offsetOf(back, zone)).toBeLessThan(offsetOf(instant, zone));
      }),
      { numRuns: 3000 },
    );
  });

  it('moves a wall time that never happened forward by the size of the gap', () => {
    fc.assert(
      fc.property(zonedInstant, fc.integer({ min: -3 * 60, max: 3 * 60 }), ({ zone, instant }, minutes) => {
        const wall = wallOf(instant, zone) + minutes * 60_000;
        const back = zonedWallTimeToInstant(wall, zone);
        const shown = wallOf(back, zone);
        if (shown === wall) return;
        const jump = offsetOf(back, zone) - offsetOf(back - DAY_MS, zone);
        expect(jump).toBeGreaterThan(0);
        expect(shown - wall).toBe(jump);
      }),
      { numRuns: 3000 },
    );
  });
});
