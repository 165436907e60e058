/**
 * The trigger benchmark's HTTP client, a process of its own so its timing does not wait on the
 * server's work: every REQUEST_MS it posts the events that arrived in those milliseconds (event
 * `i` arrives at start + i / RATE), without waiting for earlier answers. An event's latency is
 * when its request was answered minus its arrival. Prints one JSON line: per event its latency
 * in milliseconds (null when its request failed), and the first failure.
 */
import { RATE, REQUEST_MS, streamEvent } from './triggers-plan.ts';

const setting = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
};

const url = setting('BENCH_URL');
const authorization = setting('BENCH_AUTH');
const seconds = Number(setting('BENCH_SECONDS'));
const offset = Number(setting('BENCH_OFFSET'));
const prefix = setting('BENCH_PREFIX');
const total = Math.round(seconds * RATE);
const latencies: (number | null)[] = new Array(total).fill(null);
let failure: string | null = null;
const inFlight = new Set<Promise<void>>();

const post = (from: number, to: number, start: number): void => {
  const arrivals: number[] = [];
  const rows = [];
  for (let index = from; index < to; index += 1) {
    const arrival = start + (index * 1000) / RATE;
    arrivals.push(arrival);
    rows.push(streamEvent(prefix, offset, index, new Date(performance.timeOrigin + arrival)).row);
  }
  const request = (async () => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(rows),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${response.status} ${text.slice(0, 300)}`);
      const answered = performance.now();
      arrivals.forEach((arrival, at) => {
        latencies[from + at] = answered - arrival;
      });
    } catch (error) {
      failure ??= error instanceof Error ? error.message : String(error);
    }
  })();
  inFlight.add(request);
  void request.finally(() => inFlight.delete(request));
};

const start = performance.now() + 50;
let sent = 0;
await new Promise<void>((resolve) => {
  const step = (): void => {
    const due = Math.min(total, Math.floor(((performance.now() - start) * RATE) / 1000) + 1);
    if (due > sent) {
      post(sent, due, start);
      sent = due;
    }
    if (sent >= total) resolve();
    else setTimeout(step, Math.max(0, start + (sent * 1000) / RATE + REQUEST_MS - performance.now()));
  };
  setTimeout(step, 50);
});
await Promise.all([...inFlight]);
process.stdout.write(`${JSON.stringify({ latencies, failure })}\n`);
