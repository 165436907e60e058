import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/**
 * Headers on every response: a content security policy that lets pages run only our own
 * scripts, no framing, no sniffing, no referrer; and API answers that no cache keeps (they
 * hold customers' data).
 */
export const securityHeaders = (): readonly MiddlewareHandler[] => [
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      // The API reference and the UI's component library set inline styles.
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'", 'data:'],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    referrerPolicy: 'no-referrer',
    xFrameOptions: 'DENY',
  }),
  async (c, next) => {
    await next();
    if (c.req.path.startsWith('/v1/') && !c.res.headers.has('cache-control'))
      c.res.headers.set('cache-control', 'no-store');
  },
];
