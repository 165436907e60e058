import type { App, DeliveryError } from '@opencvm/app';
import type { Hono } from 'hono';
import { type ApiError, invalidBody } from './errors.ts';

/**
 * Delivery over HTTP: dead letters, requeueing, a run's delivery report, and the unsubscribe
 * page recipients reach from a message. The page is plain HTML in the recipient's language (from
 * the browser's Accept-Language, English or Russian); it asks before unsubscribing, because mail
 * scanners open links, while a one-click POST (RFC 8058, from the mail client) acts at once.
 */

const PAGES = {
  en: {
    title: 'Unsubscribe',
    ask: (channel: string) => `Stop receiving marketing messages by ${channel}?`,
    button: 'Unsubscribe',
    done: (channel: string) => `You will no longer receive marketing messages by ${channel}.`,
    invalid: 'This unsubscribe link is not valid. Copy the whole link from the message and try again.',
    channels: { sms: 'SMS', email: 'e-mail', push: 'push notification' },
  },
  ru: {
    title: 'Отписка',
    ask: (channel: string) => `Больше не получать рекламные сообщения по каналу «${channel}»?`,
    button: 'Отписаться',
    done: (channel: string) => `Вы больше не будете получать рекламные сообщения по каналу «${channel}».`,
    invalid: 'Ссылка для отписки недействительна. Скопируйте её из сообщения целиком и попробуйте снова.',
    channels: { sms: 'SMS', email: 'электронная почта', push: 'push-уведомления' },
  },
} as const;

type PageLanguage = keyof typeof PAGES;

const languageOf = (acceptLanguage: string | undefined): PageLanguage => {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.trim().slice(0, 2).toLowerCase();
    if (tag === 'ru' || tag === 'en') return tag;
  }
  return 'en';
};

/** The channel's name in the page's language. */
const channelName = (language: PageLanguage, channel: string): string =>
  new Map<string, string>(Object.entries(PAGES[language].channels)).get(channel) ?? channel;

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

const page = (language: PageLanguage, body: string): string => {
  const words = PAGES[language];
  return `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(words.title)}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}button{font:inherit;padding:.5rem 1.25rem;cursor:pointer}</style></head><body><h1>${escapeHtml(words.title)}</h1>${body}</body></html>`;
};

export const addDeliveryRoutes = (
  server: Hono,
  deps: { readonly app: App; readonly fail: (error: ApiError) => Response },
): void => {
  const { app, fail } = deps;
  const refusal = (error: DeliveryError) =>
    error.type === 'not_found'
      ? fail({ code: 'not_found', message: error.message })
      : fail(invalidBody(error.issues));

  server.get('/v1/dead-letters', async (c) => {
    const result = await app.delivery.deadLetters({
      runId: c.req.query('run'),
      channel: c.req.query('channel'),
      limit: c.req.query('limit'),
    });
    return result.ok ? c.json({ items: result.value }) : refusal(result.error);
  });

  server.post('/v1/dead-letters:requeue', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return fail({ code: 'invalid_body', path: '(body)', message: 'the body is not valid JSON' });
    }
    const result = await app.delivery.requeue(body);
    return result.ok ? c.json({ requeued: result.value }) : refusal(result.error);
  });

  server.get('/v1/runs/:runId/delivery', async (c) => {
    const result = await app.delivery.runDelivery(c.req.param('runId'));
    return result.ok ? c.json(result.value) : refusal(result.error);
  });

  server.get('/unsubscribe/:token', async (c) => {
    const language = languageOf(c.req.header('accept-language'));
    const words = PAGES[language];
    const claim = await app.delivery.readUnsubscribeLink(c.req.param('token'));
    if (!claim.ok) return c.html(page(language, `<p>${escapeHtml(words.invalid)}</p>`), 400);
    const name = channelName(language, claim.value.channel);
    return c.html(
      page(
        language,
        `<p>${escapeHtml(words.ask(name))}</p><form method="post"><button type="submit">${escapeHtml(words.button)}</button></form>`,
      ),
    );
  });

  server.post('/unsubscribe/:token', async (c) => {
    const language = languageOf(c.req.header('accept-language'));
    const words = PAGES[language];
    let oneClick = false;
    try {
      const form = await c.req.parseBody();
      oneClick = form['List-Unsubscribe'] === 'One-Click';
    } catch {
      // A body that is not a form is a click on the page's button.
    }
    const result = await app.delivery.unsubscribe(
      c.req.param('token'),
      oneClick ? 'one_click' : 'unsubscribe_link',
    );
    if (!result.ok) return c.html(page(language, `<p>${escapeHtml(words.invalid)}</p>`), 400);
    const name = channelName(language, result.value.channel);
    return c.html(page(language, `<p>${escapeHtml(words.done(name))}</p>`));
  });
};
