import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js';
import type { ApiRouter } from './api-route.ts';

/**
 * The API's description: the OpenAPI document at /openapi.json and a browsable reference at /docs,
 * Swagger UI served from our own files (no CDN). The page runs no inline script, so it works under
 * a strict Content-Security-Policy: its start-up code is a file of its own (/docs/init.js).
 */

export const OPENAPI_PATH = '/openapi.json';

/** Swagger UI's files the page loads, read from the package once when the server is made. */
const ASSETS = [
  { file: 'swagger-ui.css', contentType: 'text/css; charset=utf-8', summary: 'The reference page’s styles' },
  {
    file: 'swagger-ui-bundle.js',
    contentType: 'text/javascript; charset=utf-8',
    summary: 'The reference page’s script (Swagger UI)',
  },
  { file: 'favicon-32x32.png', contentType: 'image/png', summary: 'The reference page’s icon' },
] as const;

const INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '${OPENAPI_PATH}',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>OpenCVM API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

export const addDocsRoutes = (router: ApiRouter, deps: { readonly document: () => unknown }): void => {
  const directory = getAbsoluteFSPath();
  const assets = ASSETS.map((asset) => ({ ...asset, content: readFileSync(join(directory, asset.file)) }));
  const text = (body: string | Uint8Array, contentType: string, extra: Record<string, string> = {}) =>
    new Response(body, {
      headers: { 'content-type': contentType, 'cache-control': 'public, max-age=3600', ...extra },
    });

  router.route(
    {
      method: 'get',
      path: OPENAPI_PATH,
      access: 'public',
      tag: 'Meta',
      summary: 'This API described in OpenAPI 3.1',
      responses: { 200: { description: 'The OpenAPI document.' } },
    },
    (c) => c.json(deps.document()),
  );

  router.route(
    {
      method: 'get',
      path: '/docs',
      access: 'public',
      tag: 'Meta',
      summary: 'A browsable reference of this API',
      responses: { 200: { description: 'The reference page.', contentType: 'text/html' } },
    },
    // The server's content security policy (hardening.ts) lets it run only these files: no inline
    // script, no eval.
    () => text(PAGE, 'text/html; charset=utf-8'),
  );

  router.route(
    {
      method: 'get',
      path: '/docs/init.js',
      access: 'public',
      tag: 'Meta',
      summary: 'The reference page’s start-up script',
      responses: { 200: { description: 'The script.', contentType: 'text/javascript' } },
    },
    () => text(INIT_SCRIPT, 'text/javascript; charset=utf-8'),
  );

  for (const asset of assets) {
    router.route(
      {
        method: 'get',
        path: `/docs/${asset.file}`,
        access: 'public',
        tag: 'Meta',
        summary: asset.summary,
        responses: { 200: { description: 'The file.', contentType: asset.contentType.split(';')[0] ?? '' } },
      },
      () => text(asset.content, asset.contentType),
    );
  }
};
