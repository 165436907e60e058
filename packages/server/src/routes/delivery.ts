import { deliveryApi, PageQuery, pageOf as pageSchema } from '@opencvm/core';
import { z } from 'zod';
import { type ApiRouter, endpointRoute, jsonBody, pathParam, type RouteDeps, reply } from '../api-route.ts';
import { named } from '../openapi.ts';
import { pageOf, pageRequest, readCount } from '../pagination.ts';

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

const DeadLetterQuery = PageQuery.extend({
  run: z.string().optional().describe('Only this run’s messages.'),
  channel: z.string().optional().describe('Only this channel’s messages.'),
});
const RequeueBody = named(
  z
    .union([
      z.strictObject({ runId: z.string().min(1) }),
      z.strictObject({
        messages: z
          .array(z.strictObject({ runId: z.string(), customerId: z.string(), step: z.string() }))
          .min(1)
          .max(10_000),
      }),
    ])
    .describe('A whole run’s failures, or the messages named.'),
  'RequeueBody',
);
const DeadLetter = named(
  z.object({
    runId: z.string(),
    customerId: z.string(),
    step: z.string(),
    campaignId: z.string(),
    channel: z.string(),
    recipient: z.string(),
    status: z.enum(['failed', 'bounced']),
    attempts: z.number().int(),
    reason: z.string().nullable(),
    failedAt: z.string().nullable(),
  }),
  'DeadLetter',
);
const HTML = 'text/html';

export const addDeliveryRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail, refuse } = deps;

  router.route(
    {
      method: 'get',
      path: '/v1/dead-letters',
      access: 'data.read',
      tag: 'Delivery',
      summary: 'Messages that failed for good',
      query: DeadLetterQuery,
      responses: { 200: { description: 'A page of dead letters.', schema: pageSchema(DeadLetter) } },
    },
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      const result = await app.delivery.deadLetters({
        runId: c.req.query('run'),
        channel: c.req.query('channel'),
        limit: readCount(page.value),
      });
      return result.ok ? c.json(pageOf(result.value, page.value)) : refuse(result.error);
    },
  );

  router.route(
    {
      method: 'post',
      path: '/v1/dead-letters:requeue',
      access: 'settings.write',
      tag: 'Delivery',
      summary: 'Send failed messages (not bounced ones) again from now',
      body: RequeueBody,
      responses: {
        200: { description: 'How many were requeued.', schema: z.object({ requeued: z.number().int() }) },
      },
      audit: { action: 'dead_letters.requeue' },
    },
    async (c) => {
      const decoded = await jsonBody(c);
      if (!decoded.ok) return fail(decoded.error);
      const body = decoded.value;
      const result = await app.delivery.requeue(body);
      return result.ok ? c.json({ requeued: result.value }) : refuse(result.error);
    },
  );

  router.route(
    endpointRoute(deliveryApi.run, {
      // Not for viewers: gateways' failure reasons may quote a recipient's address or number.
      access: 'data.read',
      tag: 'Delivery',
      summary: "A run's delivery: statuses, failures by reason, and per channel",
      answer: 'The delivery report.',
    }),
    async (c) => {
      const result = await app.delivery.runDelivery(pathParam(c, 'runId'));
      return result.ok ? reply(c, deliveryApi.run, result.value) : refuse(result.error);
    },
  );

  router.route(
    {
      method: 'get',
      path: '/unsubscribe/:token',
      access: 'public',
      tag: 'Delivery',
      summary: 'The unsubscribe page of a message’s link: it asks before acting',
      responses: {
        200: { description: 'The page asking to confirm.', contentType: HTML },
        400: { description: 'The link is not valid.', contentType: HTML },
      },
    },
    async (c) => {
      const language = languageOf(c.req.header('accept-language'));
      const words = PAGES[language];
      const claim = await app.delivery.readUnsubscribeLink(pathParam(c, 'token'));
      if (!claim.ok) return c.html(page(language, `<p>${escapeHtml(words.invalid)}</p>`), 400);
      const name = channelName(language, claim.value.channel);
      return c.html(
        page(
          language,
          `<p>${escapeHtml(words.ask(name))}</p><form method="post"><button type="submit">${escapeHtml(words.button)}</button></form>`,
        ),
      );
    },
  );

  router.route(
    {
      method: 'post',
      path: '/unsubscribe/:token',
      access: 'public',
      tag: 'Delivery',
      summary: 'Unsubscribe: the page’s button, or a one-click POST from the mail client (RFC 8058)',
      body: {
        contentType: 'application/x-www-form-urlencoded',
        description: '`List-Unsubscribe=One-Click` from a mail client; anything else is the page’s button.',
      },
      responses: {
        200: { description: 'Unsubscribed.', contentType: HTML },
        400: { description: 'The link is not valid.', contentType: HTML },
      },
      // No audit entry: the customer acts, not a user, and every consent change is kept in its
      // own ledger (consent_changes, with its source).
    },
    async (c) => {
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
        pathParam(c, 'token'),
        oneClick ? 'one_click' : 'unsubscribe_link',
      );
      if (!result.ok) return c.html(page(language, `<p>${escapeHtml(words.invalid)}</p>`), 400);
      const name = channelName(language, result.value.channel);
      return c.html(page(language, `<p>${escapeHtml(words.done(name))}</p>`));
    },
  );
};
