import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Hono } from 'hono';
import type { ApiEnv } from '../api-route.ts';
import type { ApiError } from '../errors.ts';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Paths that belong to the API, never to the web app. */
const API_PREFIXES = ['/v1/', '/docs', '/openapi.json', '/health', '/unsubscribe/'];

/**
 * The web app's build at `/`: its files as they are (hashed assets cached for a year), and
 * index.html for every other page path, where the app's router takes over.
 */
export const addWebRoutes = (
  server: Hono<ApiEnv>,
  deps: { readonly root: string | null; readonly fail: (error: ApiError) => Response },
): void => {
  const root = deps.root;
  const built = root !== null && existsSync(join(root, 'index.html'));
  server.get('*', async (c) => {
    const path = decodeURIComponent(c.req.path);
    if (API_PREFIXES.some((prefix) => path.startsWith(prefix)))
      return deps.fail({ code: 'not_found', message: 'no such route' });
    if (root === null || !built)
      return c.text('The web UI is not built: run `npm run build -w @opencvm/web` (npm start does it).', 503);
    const file = normalize(join(root, path));
    if (file.startsWith(root + sep) && extname(file) !== '') {
      const found = await stat(file).catch(() => null);
      if (found?.isFile()) {
        const hashed = file.startsWith(join(root, 'assets') + sep);
        return c.body(await readFile(file), 200, {
          'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
        });
      }
      return deps.fail({ code: 'not_found', message: 'no such file' });
    }
    return c.body(await readFile(join(root, 'index.html')), 200, {
      'content-type': CONTENT_TYPES['.html'] ?? 'text/html',
      'cache-control': 'no-cache',
    });
  });
};
