import { err, ok, type Result } from '@opencvm/core';
import type { ApiContext } from './api-route.ts';
import type { ApiError } from './errors.ts';

/**
 * Pages of list routes: `?limit=` (1–1000, 100 by default) and `?cursor=` (opaque, from the
 * previous page's `nextCursor`); the answer is `{ items, nextCursor }`, `nextCursor` null at the end.
 * The cursor holds a position in the list, encoded so that callers do not build it themselves.
 */

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;
/** Positions beyond this are refused: no list of ours is that long, and it bounds the store reads. */
const MAX_OFFSET = 1_000_000_000;

export interface PageRequest {
  readonly limit: number;
  /** How many items earlier pages held. */
  readonly offset: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

const encodeCursor = (offset: number): string => Buffer.from(`o${offset}`).toString('base64url');

const decodeCursor = (cursor: string): number | null => {
  const match = /^o(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString());
  const offset = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  // Re-encoding must give the cursor back: anything else was not made by us.
  return Number.isSafeInteger(offset) && offset > 0 && offset <= MAX_OFFSET && encodeCursor(offset) === cursor
    ? offset
    : null;
};

const invalidParameter = (path: string, message: string): ApiError => ({
  code: 'invalid_body',
  path,
  message: `${path}: ${message}`,
  details: { issues: [{ path, message }] },
});

/** The page a request asks for, or the 400 naming the parameter that is wrong. */
export const pageRequest = (c: ApiContext): Result<PageRequest, ApiError> => {
  const limitText = c.req.query('limit');
  const limit =
    limitText === undefined ? DEFAULT_PAGE_LIMIT : /^\d{1,4}$/.test(limitText) ? Number(limitText) : 0;
  if (limit < 1 || limit > MAX_PAGE_LIMIT)
    return err(invalidParameter('limit', `must be an integer from 1 to ${MAX_PAGE_LIMIT}`));
  const cursor = c.req.query('cursor');
  if (cursor === undefined) return ok({ limit, offset: 0 });
  const offset = decodeCursor(cursor);
  return offset === null
    ? err(invalidParameter('cursor', 'is not the nextCursor of a previous page'))
    : ok({ limit, offset });
};

/** How many items to read to answer a page: those before it, the page, and one to tell if more follow. */
export const readCount = (page: PageRequest): number => page.offset + page.limit + 1;

/**
 * The page of a list: the whole list, or at least its first `readCount(page)` items (the rest are
 * only needed to know that another page follows).
 */
export const pageOf = <T>(items: readonly T[], page: PageRequest): Page<T> => {
  const end = page.offset + page.limit;
  return {
    items: items.slice(page.offset, end),
    nextCursor: items.length > end ? encodeCursor(end) : null,
  };
};
