import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEMO_REGIONS } from '../src/demo-catalog.ts';
import { DEFAULT_DEMO_AS_OF, type DemoCounts, generateDemo } from '../src/generate-demo.ts';

type Row = Record<string, string>;

const CUSTOMERS = 2000;
const SEED = 20_261_101;
const DAY_MS = 86_400_000;
const AS_OF_MS = DEFAULT_DEMO_AS_OF.getTime();

interface Attribute {
  readonly type: string;
  readonly values: readonly string[];
}
interface EventType {
  readonly amount: boolean;
  readonly attributes: ReadonlyMap<string, Attribute>;
}
/** The parts of the workspace schema the files are checked against. */
interface DemoSchema {
  readonly customerAttributes: ReadonlyMap<string, Attribute>;
  readonly events: ReadonlyMap<string, EventType>;
  readonly relationKinds: readonly string[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const field = (value: unknown, key: string): unknown => (isRecord(value) ? value[key] : undefined);
const entries = (value: unknown): [string, unknown][] => (isRecord(value) ? Object.entries(value) : []);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
const attributes = (value: unknown): Map<string, Attribute> =>
  new Map(
    entries(value).map(([name, definition]) => [
      name,
      { type: String(field(definition, 'type')), values: strings(field(definition, 'values')) },
    ]),
  );

const loadSchema = (): DemoSchema => {
  const decoded: unknown = parseYaml(
    readFileSync(path.join(import.meta.dirname, '../../../cvm.config.yaml'), 'utf8'),
  );
  return {
    customerAttributes: attributes(field(field(decoded, 'customer'), 'attributes')),
    events: new Map(
      entries(field(decoded, 'events')).map(([name, definition]) => [
        name,
        {
          amount: field(definition, 'amount') === true,
          attributes: attributes(field(definition, 'attributes')),
        },
      ]),
    ),
    relationKinds: strings(field(field(decoded, 'relations'), 'kinds')),
  };
};

/** Parses with a header; csv-parse also refuses any line whose field count differs from the header's. */
const readCsv = (file: string): { readonly header: string[]; readonly rows: Row[] } => {
  const text = readFileSync(file, 'utf8');
  const header = (text.slice(0, text.indexOf('\n')) || text).split(',');
  return { header, rows: parseCsv<Row>(text, { columns: true }) };
};

const lineCount = (file: string): number => readFileSync(file, 'utf8').split('\n').filter(Boolean).length - 1;

const column = (row: Row, name: string): string => row[name] ?? '';

/** Collects the first few failures of a check run over many rows: one expect per row would be slow. */
const problemList = () => {
  const found: string[] = [];
  return {
    found,
    check(ok: boolean, problem: string): void {
      if (!ok && found.length < 20) found.push(problem);
    },
  };
};

const valueFits = (attribute: Attribute, value: string): boolean => {
  switch (attribute.type) {
    case 'enum':
      return attribute.values.includes(value);
    case 'boolean':
      return value === 'true' || value === 'false';
    case 'integer':
      return /^\d+$/.test(value);
    case 'number':
      return /^\d+(\.\d+)?$/.test(value);
    case 'date':
      return (
        /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)
      );
    case 'string':
      return value !== '';
    default:
      return false;
  }
};

describe('generateDemo', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cvm-demo-'));
  const schema = loadSchema();
  let counts: DemoCounts;
  let progress: number[];
  let customers: Row[];
  let events: Row[];
  let relations: Row[];
  let customerById: Map<string, Row>;

  beforeAll(async () => {
    progress = [];
    counts = await generateDemo({
      customers: CUSTOMERS,
      seed: SEED,
      outDir: path.join(root, 'a'),
      onProgress: (done) => progress.push(done),
    });
    customers = readCsv(counts.files.customers).rows;
    events = readCsv(counts.files.events).rows;
    relations = readCsv(counts.files.relations).rows;
    customerById = new Map(customers.map((row) => [column(row, 'id'), row]));
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes the three files with the agreed headers and returns their line counts', () => {
    expect(readCsv(counts.files.customers).header).toEqual([
      'id',
      'timezone',
      'locale',
      'msisdn',
      'email',
      'push_token',
      'consent_sms_marketing',
      'consent_sms_service',
      'consent_email_marketing',
      'consent_email_service',
      'consent_push_marketing',
      'consent_push_service',
      'region',
      'plan_type',
      'tariff',
      'birth_date',
      'gender',
      'activation_date',
      'arpu',
      'device_os',
      'data_plan_gb',
      'is_business',
    ]);
    expect(readCsv(counts.files.events).header).toEqual([
      'id',
      'customer_id',
      'type',
      'ts',
      'amount',
      'currency',
      'topup_channel',
      'product',
      'mb',
      'duration_s',
      'callee_id',
      'from_tariff',
      'to_tariff',
      'reason',
    ]);
    expect(readCsv(counts.files.relations).header).toEqual(['src', 'dst', 'kind', 'weight']);
    expect(counts.customers).toBe(CUSTOMERS);
    expect(lineCount(counts.files.customers)).toBe(counts.customers);
    expect(lineCount(counts.files.events)).toBe(counts.events);
    expect(lineCount(counts.files.relations)).toBe(counts.relations);
    expect(customers).toHaveLength(counts.customers);
    expect(events).toHaveLength(counts.events);
    expect(relations).toHaveLength(counts.relations);
    expect(progress.at(-1)).toBe(CUSTOMERS);
  });

  it('gives byte-identical files for the same seed and different files for another seed', async () => {
    const again = await generateDemo({ customers: CUSTOMERS, seed: SEED, outDir: path.join(root, 'b') });
    const other = await generateDemo({ customers: CUSTOMERS, seed: SEED + 1, outDir: path.join(root, 'c') });
    for (const kind of ['customers', 'events', 'relations'] as const) {
      expect(readFileSync(again.files[kind]).equals(readFileSync(counts.files[kind]))).toBe(true);
      expect(readFileSync(other.files[kind]).equals(readFileSync(counts.files[kind]))).toBe(false);
    }
    expect(again).toEqual({ ...counts, files: again.files });
  });

  it('uses only values the workspace schema allows for customers', () => {
    expect(schema.customerAttributes.size).toBeGreaterThan(0);
    const problems = problemList();
    for (const row of customers) {
      const id = column(row, 'id');
      for (const [name, definition] of schema.customerAttributes) {
        const value = column(row, name);
        problems.check(valueFits(definition, value), `${id}: ${name} = '${value}'`);
      }
      for (const channel of ['sms', 'email', 'push']) {
        for (const purpose of ['marketing', 'service']) {
          const value = column(row, `consent_${channel}_${purpose}`);
          problems.check(
            ['true', 'false', ''].includes(value),
            `${id}: consent_${channel}_${purpose} = '${value}'`,
          );
        }
      }
      problems.check(['ru', 'en'].includes(column(row, 'locale')), `${id}: locale ${column(row, 'locale')}`);
      problems.check(/^\d+\.\d{2}$/.test(column(row, 'arpu')), `${id}: arpu ${column(row, 'arpu')}`);
    }
    expect(problems.found).toEqual([]);
  });

  it('uses only event types and attribute values the workspace schema declares, each on its own type', () => {
    const builtIn = new Set(['id', 'customer_id', 'type', 'ts', 'amount', 'currency']);
    const problems = problemList();
    for (const row of events) {
      const [id, type] = [column(row, 'id'), column(row, 'type')];
      const definition = schema.events.get(type);
      problems.check(definition !== undefined, `${id}: type ${type}`);
      for (const [name, value] of Object.entries(row)) {
        if (builtIn.has(name) || value === '') continue;
        const attribute = definition?.attributes.get(name);
        problems.check(
          attribute !== undefined && valueFits(attribute, value),
          `${id}: ${name} = '${value}' on ${type}`,
        );
      }
      if (type === 'call' || type === 'sms') {
        problems.check(
          customerById.has(column(row, 'callee_id')),
          `${id}: callee ${column(row, 'callee_id')}`,
        );
      }
      if (type === 'plan_change') {
        problems.check(
          column(row, 'from_tariff') !== column(row, 'to_tariff'),
          `${id}: plan change to the same tariff`,
        );
      }
    }
    expect(problems.found).toEqual([]);
    expect(new Set(events.map((row) => column(row, 'type')))).toEqual(new Set(schema.events.keys()));
  });

  it('puts amounts, with two decimals and in RUB, only on types that carry one', () => {
    const amountTypes = new Set(
      [...schema.events].filter(([, definition]) => definition.amount).map(([name]) => name),
    );
    const problems = problemList();
    for (const row of events) {
      const [amount, currency] = [column(row, 'amount'), column(row, 'currency')];
      const fits = amountTypes.has(column(row, 'type'))
        ? /^\d+\.\d{2}$/.test(amount) && currency === 'RUB'
        : amount === '' && currency === '';
      problems.check(
        fits,
        `${column(row, 'id')}: ${column(row, 'type')} with amount '${amount}' '${currency}'`,
      );
    }
    expect(problems.found).toEqual([]);
    const topups = events
      .filter((row) => column(row, 'type') === 'topup')
      .map((row) => Number(column(row, 'amount')));
    expect(Math.min(...topups)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...topups)).toBeLessThanOrEqual(1000);
  });

  it('gives events unique ids, UTC timestamps within the year before asOf and after activation', () => {
    expect(new Set(events.map((row) => column(row, 'id'))).size).toBe(events.length);
    const problems = problemList();
    for (const row of events) {
      const ts = column(row, 'ts');
      const at = Date.parse(ts);
      const activation = column(customerById.get(column(row, 'customer_id')) ?? {}, 'activation_date');
      problems.check(
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(ts) &&
          at < AS_OF_MS &&
          at >= AS_OF_MS - 365 * DAY_MS &&
          at >= Date.parse(`${activation}T00:00:00Z`),
        `${column(row, 'id')}: ts ${ts}, activated ${activation}`,
      );
    }
    expect(problems.found).toEqual([]);
  });

  it('averages 15 to 25 events a customer, mostly in local daytime', () => {
    const perCustomer = events.length / customers.length;
    expect(perCustomer).toBeGreaterThanOrEqual(15);
    expect(perCustomer).toBeLessThanOrEqual(25);
    const offsets = new Map(DEMO_REGIONS.map((region) => [region.name, region.utcOffsetHours]));
    const daytime = events.filter((row) => {
      const region = column(customerById.get(column(row, 'customer_id')) ?? {}, 'region');
      const localHour = (new Date(column(row, 'ts')).getUTCHours() + (offsets.get(region) ?? 0)) % 24;
      return localHour >= 7 && localHour < 23;
    });
    expect(daytime.length / events.length).toBeGreaterThan(0.9);
  });

  it('has a churned share: customers quiet for the last 60 days who were active before', () => {
    const lastEvent = new Map<string, number>();
    for (const row of events) {
      const customer = column(row, 'customer_id');
      lastEvent.set(customer, Math.max(lastEvent.get(customer) ?? 0, Date.parse(column(row, 'ts'))));
    }
    const quiet = [...lastEvent.values()].filter((at) => at < AS_OF_MS - 60 * DAY_MS).length;
    expect(quiet / customers.length).toBeGreaterThanOrEqual(0.1);
    expect(quiet / customers.length).toBeLessThanOrEqual(0.3);
  });

  it('chains plan changes up to the current tariff', () => {
    const changes = events
      .filter((row) => column(row, 'type') === 'plan_change')
      .sort((a, b) => column(a, 'ts').localeCompare(column(b, 'ts')));
    const tariffNow = new Map<string, string>();
    for (const row of changes) {
      const customer = column(row, 'customer_id');
      const before = tariffNow.get(customer);
      if (before !== undefined) expect(column(row, 'from_tariff')).toBe(before);
      tariffNow.set(customer, column(row, 'to_tariff'));
    }
    expect(tariffNow.size).toBeGreaterThan(0);
    for (const [customer, tariff] of tariffNow)
      expect(column(customerById.get(customer) ?? {}, 'tariff')).toBe(tariff);
  });

  it('writes a social graph without self-loops or duplicates, 3 to 10 relations a customer', () => {
    const keys = new Set<string>();
    const perSource = new Map<string, number>();
    const regionOf = (id: string): string => column(customerById.get(id) ?? {}, 'region');
    const problems = problemList();
    for (const row of relations) {
      const [src, dst, kind, weight] = [
        column(row, 'src'),
        column(row, 'dst'),
        column(row, 'kind'),
        column(row, 'weight'),
      ];
      problems.check(
        src !== dst &&
          customerById.has(src) &&
          customerById.has(dst) &&
          schema.relationKinds.includes(kind) &&
          /^[1-9]\d*$/.test(weight),
        `${src} → ${dst} ${kind} ${weight}`,
      );
      keys.add(`${src}|${dst}|${kind}`);
      perSource.set(src, (perSource.get(src) ?? 0) + 1);
    }
    expect(keys.size).toBe(relations.length);
    const average = relations.length / customers.length;
    expect(average).toBeGreaterThanOrEqual(3);
    expect(average).toBeLessThanOrEqual(10);
    expect(Math.max(...perSource.values())).toBeLessThanOrEqual(10);

    const family = relations.filter((row) => column(row, 'kind') === 'family');
    expect(family.length).toBeGreaterThan(0);
    for (const row of family) {
      const [src, dst] = [column(row, 'src'), column(row, 'dst')];
      problems.check(keys.has(`${dst}|${src}|family`), `family ${src} → ${dst} has no way back`);
      problems.check(regionOf(src) === regionOf(dst), `family ${src} → ${dst} across regions`);
    }
    // Calls and SMS in the events go to contacts the graph holds.
    for (const row of events) {
      const type = column(row, 'type');
      if (type !== 'call' && type !== 'sms') continue;
      const key = `${column(row, 'customer_id')}|${column(row, 'callee_id')}|${type}`;
      problems.check(keys.has(key), `${column(row, 'id')}: no ${type} relation ${key}`);
    }
    expect(problems.found).toEqual([]);
  });

  it('places customers in regions with their time zones, whose offsets match the time-zone data', () => {
    const zones = new Map(DEMO_REGIONS.map((region) => [region.name, region.timezone]));
    for (const row of customers) expect(column(row, 'timezone')).toBe(zones.get(column(row, 'region')));
    for (const region of DEMO_REGIONS) {
      for (const month of [0, 6]) {
        const moment = new Date(Date.UTC(2026, month, 15, 12));
        const name = new Intl.DateTimeFormat('en', { timeZone: region.timezone, timeZoneName: 'longOffset' })
          .formatToParts(moment)
          .find((part) => part.type === 'timeZoneName')?.value;
        const sign = region.utcOffsetHours < 0 ? '-' : '+';
        expect(name).toBe(`GMT${sign}${String(Math.abs(region.utcOffsetHours)).padStart(2, '0')}:00`);
      }
    }
  });

  it('gives plausible, unique contact points and consents that follow them', () => {
    const msisdns = customers.map((row) => column(row, 'msisdn'));
    expect(new Set(msisdns).size).toBe(customers.length);
    for (const msisdn of msisdns) expect(msisdn).toMatch(/^\+79\d{9}$/);
    const emails = customers.map((row) => column(row, 'email')).filter(Boolean);
    expect(new Set(emails).size).toBe(emails.length);
    for (const email of emails) expect(email).toMatch(/^[a-z0-9._]+@example\.(com|org|net)$/);
    expect(emails.length / customers.length).toBeGreaterThan(0.5);
    expect(emails.length / customers.length).toBeLessThan(0.7);
    for (const row of customers) {
      const hasEmail = column(row, 'email') !== '';
      const hasToken = column(row, 'push_token') !== '';
      expect(column(row, 'consent_email_service') !== '').toBe(hasEmail);
      expect(column(row, 'consent_push_service') !== '').toBe(hasToken);
      if (!hasToken) expect(column(row, 'consent_push_marketing')).toBe('');
      if (column(row, 'is_business') === 'true') expect(column(row, 'tariff')).toBe('business');
    }
    const prepaid =
      customers.filter((row) => column(row, 'plan_type') === 'prepaid').length / customers.length;
    expect(prepaid).toBeGreaterThan(0.72);
    expect(prepaid).toBeLessThan(0.88);
    const smsMarketing = customers.filter((row) => column(row, 'consent_sms_marketing') === 'true').length;
    expect(smsMarketing / customers.length).toBeGreaterThan(0.78);
    expect(smsMarketing / customers.length).toBeLessThan(0.9);
  });

  it('ends the history at asOf when given, and writes only headers for no customers', async () => {
    const asOf = new Date('2025-06-15T09:30:00Z');
    const shifted = await generateDemo({ customers: 100, seed: SEED, outDir: path.join(root, 'd'), asOf });
    const times = readCsv(shifted.files.events).rows.map((row) => Date.parse(column(row, 'ts')));
    expect(Math.max(...times)).toBeLessThan(asOf.getTime());
    expect(Math.min(...times)).toBeGreaterThanOrEqual(asOf.getTime() - 365 * DAY_MS);

    const empty = await generateDemo({ customers: 0, seed: SEED, outDir: path.join(root, 'e', 'nested') });
    expect(empty).toMatchObject({ customers: 0, events: 0, relations: 0 });
    expect(lineCount(empty.files.events)).toBe(0);
  });

  it('writes about the relations a customer asked for, the same for the same seed, customers unchanged', async () => {
    const denser = await generateDemo({
      customers: CUSTOMERS,
      seed: SEED,
      outDir: path.join(root, 'dense-a'),
      relationsPerCustomer: 20,
    });
    const again = await generateDemo({
      customers: CUSTOMERS,
      seed: SEED,
      outDir: path.join(root, 'dense-b'),
      relationsPerCustomer: 20,
    });
    for (const kind of ['customers', 'events', 'relations'] as const) {
      expect(readFileSync(again.files[kind]).equals(readFileSync(denser.files[kind]))).toBe(true);
    }
    // Customers are drawn before their contacts, so only events and relations change.
    expect(readFileSync(denser.files.customers).equals(readFileSync(counts.files.customers))).toBe(true);
    expect(denser.relations / CUSTOMERS).toBeGreaterThan(18);
    expect(denser.relations / CUSTOMERS).toBeLessThan(22);
    expect(denser.events / CUSTOMERS).toBeGreaterThanOrEqual(15);
    expect(denser.events / CUSTOMERS).toBeLessThanOrEqual(25);

    const rows = readCsv(denser.files.relations).rows;
    const keys = new Set(
      rows.map((row) => `${column(row, 'src')}|${column(row, 'dst')}|${column(row, 'kind')}`),
    );
    expect(keys.size).toBe(rows.length);
    const problems = problemList();
    for (const row of rows) {
      const [src, dst, kind] = [column(row, 'src'), column(row, 'dst'), column(row, 'kind')];
      problems.check(src !== dst && customerById.has(dst), `${src} → ${dst} ${kind}`);
      if (kind === 'family') problems.check(keys.has(`${dst}|${src}|family`), `family ${src} → ${dst}`);
    }
    for (const row of readCsv(denser.files.events).rows) {
      const type = column(row, 'type');
      if (type !== 'call' && type !== 'sms') continue;
      const key = `${column(row, 'customer_id')}|${column(row, 'callee_id')}|${type}`;
      problems.check(keys.has(key), `${column(row, 'id')}: no ${type} relation ${key}`);
    }
    expect(problems.found).toEqual([]);

    const lessDense = await generateDemo({
      customers: CUSTOMERS,
      seed: SEED,
      outDir: path.join(root, 'less-dense'),
      relationsPerCustomer: 8,
    });
    expect(lessDense.relations / CUSTOMERS).toBeGreaterThan(7.2);
    expect(lessDense.relations / CUSTOMERS).toBeLessThan(8.8);
  });

  it('refuses options it cannot honour', async () => {
    await expect(generateDemo({ customers: -1, seed: 1, outDir: path.join(root, 'f') })).rejects.toThrow(
      RangeError,
    );
    await expect(generateDemo({ customers: 10, seed: 0.5, outDir: path.join(root, 'f') })).rejects.toThrow(
      RangeError,
    );
    for (const relationsPerCustomer of [0, -3, Number.NaN, 1000]) {
      await expect(
        generateDemo({ customers: 10, seed: 1, outDir: path.join(root, 'f'), relationsPerCustomer }),
      ).rejects.toThrow(RangeError);
    }
  });
});
