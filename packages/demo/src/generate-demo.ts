import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CsvChunkWriter } from './csv-chunk-writer.ts';
import { ActivityScratch, EVENT_HEADER, RELATION_HEADER, writeCustomerActivity } from './demo-activity.ts';
import { CUSTOMER_HEADER, type DemoWorld, drawCustomer, msisdnMultiplier } from './demo-customer.ts';
import { DemoRandom, hash32, seedKey } from './demo-random.ts';
import {
  dayFormatter,
  monthStartDays,
  SECONDS_PER_DAY,
  SECONDS_PER_YEAR,
  timestampFormatter,
} from './demo-time.ts';
import { buildSocialGraph, MAX_RELATIONS_PER_CUSTOMER_ASKED, STREAM } from './social-graph.ts';

export interface GenerateDemoOptions {
  readonly customers: number;
  readonly seed: number;
  readonly outDir: string;
  /** End of the history; the default is fixed so that the same seed always gives the same files. */
  readonly asOf?: Date;
  /**
   * Mean relation rows (call, SMS and family ties together) a customer writes, e.g. 10 for a
   * denser graph than the demo's own mix of about 6.8, which is kept when it is not given.
   * Family ties are always written, so means below about six come out somewhat higher.
   */
  readonly relationsPerCustomer?: number;
  readonly onProgress?: (customersDone: number) => void;
}

export interface DemoCounts {
  readonly customers: number;
  readonly events: number;
  readonly relations: number;
  readonly files: { readonly customers: string; readonly events: string; readonly relations: string };
}

export const DEFAULT_DEMO_AS_OF = new Date('2026-11-01T00:00:00Z');

/** Bounded so typed arrays stay small and phone numbers (+79 and nine digits) stay unique. */
export const MAX_DEMO_CUSTOMERS = 100_000_000;

const PROGRESS_EVERY = 10_000;

const createWorld = (customers: number, key: number, asOf: Date): DemoWorld => {
  const asOfSecond = Math.floor(asOf.getTime() / 1000);
  const historyStart = asOfSecond - SECONDS_PER_YEAR;
  return {
    customers,
    asOfSecond,
    asOfDay: Math.floor(asOfSecond / SECONDS_PER_DAY),
    historyStart,
    monthStartDays: monthStartDays(historyStart - 31 * SECONDS_PER_DAY, asOfSecond),
    idWidth: Math.max(7, String(customers).length),
    msisdnMultiplier: msisdnMultiplier(hash32(key, 0x6d5)),
    msisdnOffset: hash32(key, 0x0ff5e7) % 1_000_000_000,
    formatDay: dayFormatter(),
    formatTimestamp: timestampFormatter(historyStart - SECONDS_PER_DAY, asOfSecond + SECONDS_PER_DAY),
  };
};

const checkOptions = (options: GenerateDemoOptions): void => {
  const { customers, seed, asOf } = options;
  if (!Number.isInteger(customers) || customers < 0 || customers > MAX_DEMO_CUSTOMERS) {
    throw new RangeError(`customers must be an integer from 0 to ${MAX_DEMO_CUSTOMERS}, got ${customers}`);
  }
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  if (asOf !== undefined && Number.isNaN(asOf.getTime())) throw new RangeError('asOf must be a valid date');
  const { relationsPerCustomer } = options;
  if (
    relationsPerCustomer !== undefined &&
    !(relationsPerCustomer > 0 && relationsPerCustomer <= MAX_RELATIONS_PER_CUSTOMER_ASKED)
  ) {
    throw new RangeError(
      `relationsPerCustomer must be above 0 and at most ${MAX_RELATIONS_PER_CUSTOMER_ASKED}, got ${relationsPerCustomer}`,
    );
  }
};

/**
 * Writes a demo mobile operator's base — customers.csv, events.csv and relations.csv with header
 * lines — into `outDir`. The same options give byte-identical files; memory stays bounded (a few
 * typed arrays for the social graph plus one text chunk per file), so a million customers fit.
 */
export const generateDemo = async (options: GenerateDemoOptions): Promise<DemoCounts> => {
  checkOptions(options);
  const { customers, outDir, onProgress } = options;
  const key = seedKey(options.seed);
  const world = createWorld(customers, key, options.asOf ?? DEFAULT_DEMO_AS_OF);
  const rng = new DemoRandom();
  const graph = buildSocialGraph({ customers, key, rng, relationsPerCustomer: options.relationsPerCustomer });

  await mkdir(outDir, { recursive: true });
  const files = {
    customers: join(outDir, 'customers.csv'),
    events: join(outDir, 'events.csv'),
    relations: join(outDir, 'relations.csv'),
  };
  const customerFile = new CsvChunkWriter(files.customers, CUSTOMER_HEADER);
  const eventFile = new CsvChunkWriter(files.events, EVENT_HEADER);
  const relationFile = new CsvChunkWriter(files.relations, RELATION_HEADER);
  const writers = [customerFile, eventFile, relationFile];
  const scratch = new ActivityScratch(graph.maxRelations);

  try {
    for (let index = 0; index < customers; index++) {
      rng.reseed(key, STREAM.customer, index);
      const position = graph.positionOf[index] ?? 0;
      const { profile, line } = drawCustomer({
        world,
        index,
        rng,
        regionIndex: graph.regionOf[index] ?? 0,
        inFamily: (graph.familySize[position] ?? 1) > 1,
      });
      customerFile.add(line);
      writeCustomerActivity({
        world,
        graph,
        profile,
        rng,
        scratch,
        events: eventFile,
        relations: relationFile,
      });
      // Checked synchronously: awaiting three settled promises per customer would cost more than the writes.
      if (customerFile.full) await customerFile.flush();
      if (eventFile.full) await eventFile.flush();
      if (relationFile.full) await relationFile.flush();
      if ((index + 1) % PROGRESS_EVERY === 0) onProgress?.(index + 1);
    }
    for (const writer of writers) await writer.close();
  } catch (error) {
    for (const writer of writers) writer.destroy();
    throw error;
  }
  if (customers % PROGRESS_EVERY !== 0) onProgress?.(customers);

  return { customers, events: eventFile.lines, relations: relationFile.lines, files };
};
