import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { verifyWebhookSignature } from '../src/webhook/webhook-signature.ts';
import { createHold, type HeldAnswer, type Hold } from './held-answer.ts';

/**
 * A webhook receiver for tests and benchmarks, on 127.0.0.1 and a free port. It answers like a
 * careful receiver: 401 when the signature does not verify, 400 without an `Idempotency-Key`,
 * 200 `{"id":"peer-<n>"}` for a delivery, and 200 with the same id for a key it already has,
 * which it counts as a duplicate and does not record again. `deliveries` is therefore what the
 * receiving side saw exactly once, however often the sender tried.
 *
 *   await using peer = await startWebhookPeer();
 *   createWebhookAdapter({ url: peer.url, signingSecret: peer.secret }, {});
 *   peer.failNext({ status: 503, retryAfter: '2', count: 1 });
 *   expect(peer.deliveries).toHaveLength(1);
 */

export const WEBHOOK_PEER_SECRET = 'webhook-peer-secret';

/** Answer the next `count` requests with `status` (and `Retry-After`), before checking anything. */
export interface WebhookPeerFailure {
  readonly status: number;
  readonly retryAfter?: string | undefined;
  readonly count: number;
}

export interface WebhookPeerOptions {
  /** The signing secret requests must be signed with; `WEBHOOK_PEER_SECRET` unless given. */
  readonly secret?: string | undefined;
  readonly failNext?: WebhookPeerFailure | undefined;
  /**
   * Wait this long before answering each request. A delivery is recorded before the wait, as
   * when a receiver processes a message and its answer is late or lost.
   */
  readonly delayMs?: number | undefined;
}

export interface WebhookPeerDelivery {
  readonly key: string;
  /** The JSON body, parsed. */
  readonly body: unknown;
  readonly headers: IncomingHttpHeaders;
}

export interface WebhookPeer extends AsyncDisposable {
  /** Where to POST. */
  readonly url: string;
  readonly secret: string;
  /** Distinct deliveries by `Idempotency-Key`, in the order they arrived. */
  readonly deliveries: readonly WebhookPeerDelivery[];
  /** Every request received, failed and repeated ones included. */
  requests(): number;
  /** Requests that carried a key already recorded. */
  duplicates(): number;
  failNext(failure: WebhookPeerFailure): void;
  /** Hold the answer to the next request until released; a delivery is recorded first. */
  holdNext(): HeldAnswer;
  close(): Promise<void>;
}

interface PeerAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const headerValue = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

export const startWebhookPeer = async (options: WebhookPeerOptions = {}): Promise<WebhookPeer> => {
  const secret = options.secret ?? WEBHOOK_PEER_SECRET;
  const delayMs = options.delayMs ?? 0;
  const deliveries: WebhookPeerDelivery[] = [];
  const recorded = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let failure = options.failNext === undefined ? null : { ...options.failNext };
  let held: Hold | null = null;
  let requests = 0;
  let duplicates = 0;

  /** Decides the answer to one request, recording it when it is a new delivery. */
  const receive = (request: IncomingMessage, body: Buffer): PeerAnswer => {
    requests++;
    if (failure !== null && failure.count > 0) {
      failure.count--;
      const headers: Record<string, string> =
        failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter };
      return { status: failure.status, body: '{"error":"failing on purpose"}', headers };
    }
    const verified = verifyWebhookSignature({
      secret,
      timestamp: headerValue(request.headers['x-cvm-timestamp']),
      signature: headerValue(request.headers['x-cvm-signature']),
      body,
    });
    if (!verified.ok) return { status: 401, body: JSON.stringify({ error: verified.error.reason }) };
    const key = headerValue(request.headers['idempotency-key']);
    if (key === undefined) return { status: 400, body: '{"error":"no Idempotency-Key"}' };
    const known = recorded.get(key);
    if (known !== undefined) {
      duplicates++;
      return { status: 200, body: JSON.stringify({ id: `peer-${known}` }) };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return { status: 400, body: '{"error":"not JSON"}' };
    }
    recorded.set(key, deliveries.length);
    deliveries.push({ key, body: parsed, headers: request.headers });
    return { status: 200, body: JSON.stringify({ id: `peer-${deliveries.length - 1}` }) };
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = receive(request, Buffer.concat(chunks));
      const reply = (): void => {
        response
          .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
          .end(answer.body);
      };
      const hold = held;
      held = null;
      if (hold !== null) {
        hold.arrive();
        void hold.released.then(reply);
        return;
      }
      if (delayMs === 0) {
        reply();
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        reply();
      }, delayMs);
      timers.add(timer);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null)
    throw new Error('the webhook peer is not on a TCP port');
  const port = address.port;

  const close = async (): Promise<void> => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    url: `http://127.0.0.1:${port}/deliveries`,
    secret,
    deliveries,
    requests: () => requests,
    duplicates: () => duplicates,
    failNext(next) {
      failure = { ...next };
    },
    holdNext() {
      const hold = createHold();
      held = hold;
      return hold;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
};
