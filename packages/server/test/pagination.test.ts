import { createApp } from '@opencvm/app';
import { ADAPTERS, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createServer } from '../src/create-server.ts';
import { MAX_PAGE_LIMIT, pageOf } from '../src/pagination.ts';
import { signedInClient } from './test-server.ts';

/** List routes page with `limit` and an opaque `cursor`; `nextCursor` is null on the last page. */

const schema = testSchema();

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely; the assertions are the type check.
const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json();

describe('pageOf', () => {
  it('slices a list into pages that cover it exactly once', () => {
    const items = Array.from({ length: 7 }, (_, index) => index);
    const first = pageOf(items, { limit: 3, offset: 0 });
    expect(first.items).toEqual([0, 1, 2]);
    expect(first.nextCursor).not.toBeNull();
    expect(pageOf(items, { limit: 3, offset: 6 })).toEqual({ items: [6], nextCursor: null });
    expect(pageOf(items, { limit: 7, offset: 0 }).nextCursor).toBeNull();
    expect(pageOf([], { limit: 3, offset: 0 })).toEqual({ items: [], nextCursor: null });
  });
});

for (const adapter of ADAPTERS) {
  describe(`pagination on ${adapter.name}`, () => {
    it('walks a list page by page and refuses a bad limit or cursor with its path', async () => {
      await using test = await adapter.open(schema);
      const app = await createApp(
        { store: test.store, schema },
        { clock: () => new Date('2026-01-15T10:00:00Z') },
      );
      const server = signedInClient(createServer(app, { version: '0.0.0-test' }).server, app);
      const ids = ['a1', 'a2', 'a3', 'a4', 'a5'];
      for (const id of ids) {
        const created = await server.request('/v1/segments', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            id,
            name: id,
            rule: { type: 'attribute', attribute: 'city', op: 'is not null' },
          }),
        });
        expect(created.status).toBe(201);
      }
      const whole = await json(server.request('/v1/segments'));
      expect(whole.items.map((segment: { id: string }) => segment.id)).toEqual(ids);
      expect(whole.nextCursor).toBeNull();

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
        const page = await json(server.request(`/v1/segments${query}`));
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((segment: { id: string }) => segment.id));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 10);
      expect(seen).toEqual(ids);
      expect(pages).toBe(3);

      for (const [query, path] of [
        ['limit=0', 'limit'],
        [`limit=${MAX_PAGE_LIMIT + 1}`, 'limit'],
        ['limit=ten', 'limit'],
        ['cursor=nonsense', 'cursor'],
        ['cursor=', 'cursor'],
      ] as const) {
        for (const list of ['/v1/segments', '/v1/offers', '/v1/campaigns', '/v1/lists', '/v1/imports']) {
          const refused = await server.request(`${list}?${query}`);
          expect(refused.status, `${list}?${query}`).toBe(400);
          expect((await json(refused)).error, `${list}?${query}`).toMatchObject({
            code: 'invalid_body',
            path,
          });
        }
      }
    });
  });
}
