import {
  type DeadLetter,
  err,
  issueKindOf,
  ok,
  type Result,
  type RunDelivery,
  type SchemaIssue,
  type Store,
} from '@opencvm/core';
import { z } from 'zod';
import {
  readUnsubscribeToken,
  type UnsubscribeClaim,
  type UnsubscribeError,
  unsubscribe,
  unsubscribeKey,
} from './unsubscribe.ts';

export type DeliveryError =
  | { readonly type: 'not_found'; readonly message: string }
  | { readonly type: 'invalid_input'; readonly issues: readonly SchemaIssue[] };

const DeadLetterQuery = z.strictObject({
  runId: z.string().min(1).optional(),
  channel: z.string().min(1).optional(),
  limit: z.coerce.number().int('must be a whole number').min(1).max(10_000).default(100),
});

const MessageKey = z.strictObject({
  runId: z.string().min(1),
  customerId: z.string().min(1),
  step: z.string().min(1),
});

/** Either a whole run's failures or the messages named. */
const RequeueInput = z.union([
  z.strictObject({ runId: z.string().min(1) }),
  z.strictObject({ messages: z.array(MessageKey).min(1).max(10_000) }),
]);

const issuesOf = (error: z.ZodError): SchemaIssue[] =>
  error.issues.map((issue) => ({
    path: issue.path.length === 0 ? '(input)' : issue.path.map(String).join('.'),
    message: issue.message,
    kind: issueKindOf(issue),
  }));

/** Delivery use cases: dead letters, requeueing, a run's delivery report, unsubscribing. */
export const deliveryService = (deps: { readonly store: Store; readonly clock: () => Date }) => ({
  async deadLetters(query: unknown): Promise<Result<readonly DeadLetter[], DeliveryError>> {
    const parsed = DeadLetterQuery.safeParse(query);
    if (!parsed.success) return err({ type: 'invalid_input', issues: issuesOf(parsed.error) });
    return ok(await deps.store.delivery.deadLetters(parsed.data));
  },

  /** Sends failed messages (not bounced ones) again from now; returns how many. */
  async requeue(input: unknown): Promise<Result<number, DeliveryError>> {
    const parsed = RequeueInput.safeParse(input);
    if (!parsed.success) {
      return err({
        type: 'invalid_input',
        issues: [
          {
            path: '(input)',
            message: 'expected {"runId": "…"} or {"messages": [{"runId", "customerId", "step"}]}',
          },
        ],
      });
    }
    const now = deps.clock();
    if ('runId' in parsed.data) {
      if ((await deps.store.runs.getRun(parsed.data.runId)) === null) {
        return err({ type: 'not_found', message: `no run "${parsed.data.runId}"` });
      }
      return ok(await deps.store.delivery.requeue({ runId: parsed.data.runId, now }));
    }
    return ok(await deps.store.delivery.requeue({ keys: parsed.data.messages, now }));
  },

  async runDelivery(runId: string): Promise<Result<RunDelivery, DeliveryError>> {
    if ((await deps.store.runs.getRun(runId)) === null)
      return err({ type: 'not_found', message: `no run "${runId}"` });
    return ok(await deps.store.delivery.runDelivery(runId));
  },

  /** What a link names, once its signature is checked: the page shows it before acting. */
  async readUnsubscribeLink(token: string): Promise<Result<UnsubscribeClaim, UnsubscribeError>> {
    return readUnsubscribeToken(await unsubscribeKey(deps.store), token);
  },

  unsubscribe(
    token: string,
    source: string,
  ): Promise<
    Result<UnsubscribeClaim & { readonly customers: number; readonly cancelled: number }, UnsubscribeError>
  > {
    return unsubscribe(deps, { token, source });
  },
});
export type DeliveryService = ReturnType<typeof deliveryService>;
