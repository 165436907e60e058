import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { type Locale, STRINGS, type Strings } from './strings.ts';

/** Screenshots of the main pages, written by every run (gitignored). */
export const SCREENSHOTS = resolve(import.meta.dirname, '../screenshots');

/** How long a step may wait for the page to answer. */
export const STEP_MS = 15_000;

/** A fresh browser profile (no cookie, no stored language) on the app, in English. */
export const openApp = async (browser: Browser, url: string): Promise<Page> => {
  const context = await browser.newContext({
    baseURL: url,
    locale: 'en-GB',
    viewport: { width: 1366, height: 900 },
  });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  await page.goto('/');
  return page;
};

export const screenshot = async (page: Page, name: string): Promise<void> => {
  await mkdir(SCREENSHOTS, { recursive: true });
  // Let data, charts and fonts arrive: a screenshot is for people to look at. A page still
  // loading after a while is shown as it is.
  await page.waitForLoadState('networkidle');
  const loaders = page.locator('.mantine-Loader-root:visible');
  await eventually(
    () => loaders.count(),
    (count) => count === 0,
    'loaders',
    10_000,
  ).catch(() => {});
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
};

/** What the page showed when a step failed, to look at: `failed-<name>.png`. */
export const screenshotFailure = async (page: Page | undefined, name: string): Promise<void> => {
  if (page === undefined || page.isClosed()) return;
  await mkdir(SCREENSHOTS, { recursive: true });
  const file = `failed-${name.replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 80)}.png`;
  await page.screenshot({ path: join(SCREENSHOTS, file), fullPage: true }).catch(() => {});
};

/** Picks a language with the switch in the header (or on the log-in page). */
export const setLanguage = async (page: Page, locale: Locale): Promise<void> => {
  await page.locator('label', { hasText: STRINGS[locale].languageName }).first().click();
  await page.locator(`html[lang="${locale}"]`).waitFor({ state: 'attached' });
};

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The form field labelled `label` exactly (a required field's label ends in an asterisk). */
export const field = (scope: Page | Locator, label: string): Locator =>
  scope.getByLabel(new RegExp(`^${escapeRegExp(label)}(\\s*\\*)?$`));

/** The select (a Mantine combobox) labelled `label`. */
export const select = (scope: Page | Locator, label: string): Locator =>
  scope.getByRole('combobox', { name: label, exact: true });

/** Chooses `option` in a select: opens its list and clicks the option. */
export const pickOption = async (page: Page, input: Locator, option: string | RegExp): Promise<void> => {
  await input.click();
  await page.getByRole('option', { name: option, exact: typeof option === 'string' }).click();
};

/** The header's "name (role)" once signed in. */
export const signedInAs = (page: Page): Locator => page.getByTestId('signed-in-as');

export const signIn = async (page: Page, t: Strings, user: { name: string; password: string }) => {
  await page.getByRole('heading', { name: t.login.title }).waitFor();
  await field(page, t.login.name).fill(user.name);
  await field(page, t.login.password).fill(user.password);
  await page.getByRole('button', { name: t.login.submit }).click();
  await signedInAs(page).filter({ hasText: user.name }).waitFor();
};

export const signOut = async (page: Page, t: Strings) => {
  await page.getByRole('button', { name: t.logout }).click();
  await page.getByRole('heading', { name: t.login.title }).waitFor();
};

/** Opens a section through the navigation, as a user would. */
export const goTo = async (page: Page, t: Strings, section: keyof Strings['nav']) => {
  await page.getByRole('navigation').getByRole('link', { name: t.nav[section], exact: true }).click();
};

/** The text of `locator` once it is shown, trimmed. */
export const textOf = async (locator: Locator): Promise<string> => {
  await locator.waitFor();
  return (await locator.innerText()).trim();
};

/** The digits of a formatted count ("1 234", "1,234" → 1234); NaN when there are none. */
export const countIn = (text: string): number => {
  const digits = text.replace(/[\s\u00a0\u202f,.]/g, '').match(/\d+/)?.[0];
  return digits === undefined ? Number.NaN : Number(digits);
};

/** Waits until `read` gives a value `accept` takes, and returns it. */
export const eventually = async <T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = STEP_MS,
): Promise<T> => {
  const until = Date.now() + timeoutMs;
  let last = await read();
  while (!accept(last)) {
    if (Date.now() > until) throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
    await new Promise((wait) => setTimeout(wait, 200));
    last = await read();
  }
  return last;
};

/**
 * A change made through the API with the page's own session, as another tab or a colleague
 * would make it while the page shows an older state. Answers the status and the JSON body.
 */
export const changeElsewhere = (
  page: Page,
  request: { readonly method: string; readonly path: string; readonly body: unknown },
): Promise<{ status: number; body: unknown }> =>
  page.evaluate(async ({ method, path, body }) => {
    const session: unknown = await (await fetch('/v1/session', { credentials: 'same-origin' })).json();
    const csrf =
      typeof session === 'object' && session !== null && 'csrfToken' in session
        ? String(session.csrfToken)
        : '';
    const response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  }, request);
