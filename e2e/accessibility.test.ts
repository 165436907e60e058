import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import { arrowTo, focusedName, formFields, tabTo } from './harness/a11y.ts';
import { hasChromium, launchChromium, suiteName } from './harness/chromium.ts';
import { startServer, type TestServer } from './harness/server.ts';
import { STRINGS } from './harness/strings.ts';
import { openApp, screenshotFailure, signedInAs, textOf } from './harness/ui.ts';

const ADMIN = { name: 'admin', password: 'a long enough admin secret' };
const t = STRINGS.en;

/** Every main page and the forms under it, as an admin sees them (the demo's data fills them). */
const PAGES = [
  '/',
  '/customers',
  '/customers/C0000001',
  '/segments',
  '/segments/new',
  '/offers',
  '/offers/new',
  '/offers/content',
  '/campaigns',
  '/campaigns/new',
  '/campaigns/demo-win-back',
  '/results',
  '/results/demo-win-back',
  '/settings/contact-policy',
  '/settings/channels',
  '/settings/ucg',
  '/settings/users',
  '/settings/api-keys',
  '/settings/audit',
  '/settings/account',
] as const;

describe.skipIf(!hasChromium())(suiteName('accessibility'), () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({ webRoot: inject('webRoot'), seedData: inject('seedData') }),
      launchChromium(),
    ]);
    page = await openApp(browser, server.url);
  });
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await screenshotFailure(page, `a11y-${context.task.name}`);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the first admin is created and signs in again with the keyboard only', async () => {
    await page.getByRole('heading', { name: t.login.setupTitle }).waitFor();
    await tabTo(page, t.login.token);
    await page.keyboard.type(server.setupToken);
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe(t.login.name);
    await page.keyboard.type(ADMIN.name);
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe(t.login.password);
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    expect(await textOf(signedInAs(page))).toBe(`${ADMIN.name} (${t.roles.admin})`);

    await tabTo(page, t.logout);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: t.login.title }).waitFor();
    await tabTo(page, t.login.name);
    await page.keyboard.type(ADMIN.name);
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    expect(await textOf(signedInAs(page))).toBe(`${ADMIN.name} (${t.roles.admin})`);
  });

  test('a user is added in Settings with the keyboard only', async () => {
    await tabTo(page, t.nav.settings);
    await page.keyboard.press('Enter');
    // The section tabs are one Tab stop (the open one); arrows move between them.
    await tabTo(page, t.settings.policyTab);
    await arrowTo(page, t.settings.usersTab);
    await page.keyboard.press('Enter');
    await page.getByRole('tab', { name: t.settings.usersTab, selected: true }).waitFor();
    await tabTo(page, t.settings.addUser);
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    // The dialog opens with the focus in its first field (moved there once its opening transition
    // ends, so the dialog itself may hold it for a moment); Tab walks the rest.
    await expect.poll(() => focusedName(page)).toBe(t.settings.login);
    await page.keyboard.type('olga.analyst');
    await tabTo(page, t.settings.password, 5);
    await page.keyboard.type('a long enough password');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'olga.analyst', exact: true }).waitFor();
  });

  test('every form field on the main pages has an accessible name', async () => {
    const unnamed: string[] = [];
    let fields = 0;
    const check = async (where: string) => {
      const found = await formFields(page);
      fields += found.count;
      for (const html of found.unnamed) unnamed.push(`${where}: ${html}`);
    };
    for (const path of PAGES) {
      await page.goto(path);
      await signedInAs(page).waitFor();
      await page.waitForLoadState('networkidle');
      await check(path);
    }
    // Dialogs too: the gallery's "new campaign from a scenario" and the new user form.
    await page.goto('/campaigns');
    await page.getByRole('tab', { name: t.campaigns.galleryTab }).click();
    await page.getByRole('button', { name: `${t.campaigns.useScenario}: ${t.campaigns.scenario}` }).click();
    await page.getByRole('dialog').waitFor();
    await check('/campaigns (scenario dialog)');
    await page.goto('/settings/users');
    await page.getByRole('button', { name: t.settings.addUser }).click();
    await page.getByRole('dialog').waitFor();
    await check('/settings/users (new user dialog)');
    expect(unnamed).toEqual([]);
    // Not an empty check: the pages have fields, and a field without a name is found.
    expect(fields).toBeGreaterThan(50);
    await page.evaluate(
      `document.body.append(Object.assign(document.createElement('input'), { id: 'unnamed-probe' }))`,
    );
    expect((await formFields(page)).unnamed.join()).toContain('unnamed-probe');
  });
});
