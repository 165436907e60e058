import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import { hasChromium, launchChromium, suiteName } from './harness/chromium.ts';
import { startServer, type TestServer } from './harness/server.ts';
import { type Locale, STRINGS } from './harness/strings.ts';
import {
  changeElsewhere,
  countIn,
  eventually,
  field,
  goTo,
  openApp,
  pickOption,
  screenshot,
  screenshotFailure,
  select,
  setLanguage,
  signedInAs,
  signIn,
  signOut,
  textOf,
} from './harness/ui.ts';

const ADMIN = { name: 'admin', password: 'a long enough admin secret' };
const APPROVER = { name: 'boris.petrov', password: 'a long enough approver secret' };
/** Demo customers the test tops up: those on prepaid among them enter the journey. */
const CUSTOMERS = Array.from({ length: 40 }, (_, index) => `C${String(index + 1).padStart(7, '0')}`);

/** The centre of `handle`, once the canvas holds still (fit view animates), and that it is uncovered there. */
const grabPoint = async (handle: Locator): Promise<{ x: number; y: number }> => {
  let previous = JSON.stringify(await handle.boundingBox());
  await eventually(
    async () => {
      await new Promise((wait) => setTimeout(wait, 300));
      const now = JSON.stringify(await handle.boundingBox());
      const still = now === previous;
      previous = now;
      return still;
    },
    (still) => still,
    'the canvas to hold still',
  );
  const box = await handle.boundingBox();
  if (box === null) throw new Error('a handle to drag between is not shown');
  const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  // What a pointer at the handle's centre presses: the handle itself, not its step's card
  // clipping it or another step drawn over it.
  const hit = await handle.evaluate((element, { x, y }) => {
    const top = element.ownerDocument.elementFromPoint(x, y);
    return top === element ? null : `${top?.tagName.toLowerCase()}.${top?.className}`;
  }, point);
  if (hit !== null) throw new Error(`a handle is covered at its centre by ${hit}`);
  return point;
};

/**
 * Draws a connection as a hand would: presses on the way out `from`, moves in steps until the
 * canvas draws the connection line, moves onto the way in `to` until the canvas takes it as a
 * valid target, and lets go.
 */
const drag = async (page: Page, from: Locator, to: Locator): Promise<void> => {
  const start = await grabPoint(from);
  const end = await grabPoint(to);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x + (end.x - start.x) / 3, start.y + (end.y - start.y) / 3, { steps: 6 });
  await page.locator('.react-flow__connectionline').waitFor({ state: 'attached' });
  await page.mouse.move(end.x, end.y, { steps: 12 });
  await to.and(page.locator('.valid')).waitFor({ state: 'attached' });
  await page.mouse.up();
  await page.locator('.react-flow__connectionline').waitFor({ state: 'detached' });
};

/**
 * A journey drawn on the canvas and run, once per language: first start, an approver, a blank
 * journey whose entry, steps and connections are made in the editor (one connection dragged
 * with the mouse, one from the "Connect to…" menu), its issues going away as they are fixed,
 * submitted, approved and started by the approver; then top-ups posted to the API bring demo
 * customers in, the counts on its steps change, and a customer's page says where they are.
 */
describe.skipIf(!hasChromium()).each<Locale>(['en', 'ru'])(suiteName('journey flow (%s)'), (locale) => {
  const t = STRINGS[locale];
  const journeyId = `e2e-topup-${locale}`;
  const journeyName = locale === 'en' ? 'Large top-up thank-you' : 'Спасибо за крупное пополнение';
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
    if (context.task.result?.state === 'fail')
      await screenshotFailure(page, `${locale}-journey-${context.task.name}`);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const canvas = () => page.getByRole('region', { name: t.journeys.canvas });
  const node = (id: string) => page.getByTestId(`journey-node-${id}`);
  const status = () => page.getByTestId('journey-status');
  const confirm = async () => {
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: t.journeys.confirm, exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
  };
  const openJourney = async () => {
    await goTo(page, t, 'journeys');
    await page.getByRole('link', { name: journeyName, exact: true }).click();
    await status().waitFor();
  };

  test('first start: the admin is created with the setup token, and adds an approver', async () => {
    await page.getByRole('heading', { name: STRINGS.en.login.setupTitle }).waitFor();
    if (locale !== 'en') {
      await setLanguage(page, locale);
      await page.getByRole('heading', { name: t.login.setupTitle }).waitFor();
    }
    await field(page, t.login.token).fill(server.setupToken);
    await field(page, t.login.name).fill(ADMIN.name);
    await field(page, t.login.password).fill(ADMIN.password);
    await page.getByRole('button', { name: t.login.setupSubmit }).click();
    expect(await textOf(signedInAs(page))).toBe(`${ADMIN.name} (${t.roles.admin})`);

    await goTo(page, t, 'settings');
    await page.getByRole('tab', { name: t.settings.usersTab }).click();
    await page.getByRole('button', { name: t.settings.addUser }).click();
    const dialog = page.getByRole('dialog');
    await field(dialog, t.settings.login).fill(APPROVER.name);
    await pickOption(page, select(dialog, t.settings.role), new RegExp(`^${t.roles.approver} —`));
    await field(dialog, t.settings.password).fill(APPROVER.password);
    await dialog.getByRole('button', { name: t.create, exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: APPROVER.name, exact: true }).waitFor();
  });

  test('a new journey: its entry is set in the side panel, with the customer rule in the rule builder', async () => {
    await goTo(page, t, 'journeys');
    await page.getByRole('button', { name: t.journeys.newJourney }).click();
    const dialog = page.getByRole('dialog');
    await field(dialog, t.journeys.journeyId).fill(journeyId);
    await field(dialog, t.journeys.journeyName).fill(journeyName);
    await dialog.getByRole('button', { name: t.create, exact: true }).click();
    await canvas().waitFor();
    await screenshot(page, `${locale}-journey-new`);

    await node('__entry').click();
    await field(page, t.journeys.eventType).fill('topup');
    await field(page, t.journeys.where).fill('[{ "attribute": "amount", "op": ">", "value": 500 }]');
    await field(page, t.journeys.where).blur();
    await page.getByRole('switch', { name: t.journeys.onlyMatching }).check({ force: true });
    await pickOption(page, select(page, t.segments.attribute), 'plan_type');
    // A new condition on an enum starts on its first value; choosing it again would clear it.
    const value = select(page, t.segments.value);
    if ((await value.inputValue()) !== 'prepaid') await pickOption(page, value, 'prepaid');
    expect(await value.inputValue()).toBe('prepaid');
    expect(await textOf(node('__entry'))).toContain('topup');
  });

  test('steps from the palette, connected by dragging a handle and from the menu; an issue goes away once fixed', async () => {
    // The first step becomes the start; the others come unconnected (nothing selected).
    await page.getByRole('button', { name: t.journeys.add.send, exact: true }).click();
    await node('send_1').waitFor();
    for (const kind of ['wait', 'exit'] as const) {
      await page.keyboard.press('Escape');
      const box = await canvas().boundingBox();
      if (box === null) throw new Error('the canvas is not shown');
      await page.mouse.click(box.x + box.width - 20, box.y + 20);
      await page.getByRole('button', { name: t.journeys.add[kind], exact: true }).click();
      await node(`${kind}_1`).waitFor();
    }
    await canvas().getByRole('button', { name: 'Fit View' }).click();
    await page.getByTestId('rf__edge-__entry:start').waitFor({ state: 'attached' });
    expect(await page.getByTestId('rf__edge-send_1:next').count()).toBe(0);

    // A send without content carries an issue on its card.
    await page.getByTestId('node-issues-send_1').waitFor();

    // send → wait by dragging the send's way out onto the wait's way in.
    await drag(page, page.getByTestId('handle-send_1-next'), page.getByTestId('handle-wait_1-in'));
    await page.getByTestId('rf__edge-send_1:next').waitFor({ state: 'attached' });

    // wait → exit from the side panel's "Connect to…" menu.
    await node('wait_1').click();
    await page.getByRole('button', { name: t.journeys.connectNext('wait_1') }).click();
    await page.getByRole('menuitem', { name: 'exit_1', exact: true }).click();
    await page.getByTestId('rf__edge-wait_1:next').waitFor({ state: 'attached' });

    // The SMS text, in both languages: the send's issue badge goes away.
    await node('send_1').click();
    await page.getByRole('button', { name: t.journeys.writeContent }).click();
    await field(page, t.journeys.text('en')).fill('Thanks for topping up! Enjoy a week of free data.');
    await field(page, t.journeys.text('ru')).fill('Спасибо за пополнение! Неделя интернета в подарок.');
    await page.getByTestId('node-issues-send_1').waitFor({ state: 'detached' });

    const save = page.getByRole('button', { name: t.journeys.save, exact: true });
    if (await save.isEnabled()) await save.click();
    await page.getByText(t.journeys.saved, { exact: true }).waitFor();
    await page.getByText(t.journeys.noIssues).waitFor();
    await screenshot(page, `${locale}-journey-canvas`);

    await page.getByRole('button', { name: t.journeys.submit, exact: true }).click();
    await confirm();
    await status().and(page.locator('[data-status="pending_approval"]')).waitFor();
    expect(await status().textContent()).toBe(t.journeys.statuses.pending);
  });

  test('the approver approves and starts it', async () => {
    await signOut(page, t);
    await signIn(page, t, APPROVER);
    await openJourney();
    await page.getByRole('button', { name: t.journeys.approve, exact: true }).click();
    await confirm();
    await status().and(page.locator('[data-status="approved"]')).waitFor();
    await page.getByRole('button', { name: t.journeys.start, exact: true }).click();
    await confirm();
    await status().and(page.locator('[data-status="running"]')).waitFor();
    expect(await status().textContent()).toBe(t.journeys.statuses.running);
  });

  let entered: { readonly customer: string; readonly node: string | null } | undefined;

  test('top-ups posted to the API bring customers in, and the counts on its steps change', async () => {
    // Loading events takes the admin (the approver may not ingest).
    await signOut(page, t);
    await signIn(page, t, ADMIN);
    await openJourney();
    const reached = async () => countIn(await page.getByTestId('node-reached-send_1').innerText());
    expect(await eventually(reached, Number.isFinite, 'the counts on the send')).toBe(0);

    const ts = new Date().toISOString();
    const posted = await changeElsewhere(page, {
      method: 'POST',
      path: '/v1/events:batch',
      body: CUSTOMERS.map((customer, index) => ({
        id: `e2e-${locale}-topup-${index}`,
        customer_id: customer,
        type: 'topup',
        ts,
        amount: 600,
        topup_channel: 'app',
      })),
    });
    expect(posted.status).toBe(200);

    const after = await eventually(
      async () => {
        await page.getByRole('button', { name: t.journeys.refresh }).click();
        return reached();
      },
      (value) => value > 0,
      'customers who reached the send after the top-ups',
    );
    expect(after).toBeLessThanOrEqual(CUSTOMERS.length);
    const waiting = countIn(await page.getByTestId('node-here-wait_1').innerText());
    const funnel = page.getByTestId('journey-results');
    await funnel.getByTestId('funnel-step-send_1').waitFor();
    expect(countIn(await page.getByTestId('journey-active').innerText())).toBeGreaterThanOrEqual(waiting);
    await screenshot(page, `${locale}-journey-running`);

    // One of the customers who entered, as the API has it.
    for (const customer of CUSTOMERS) {
      const answer = await changeElsewhere(page, {
        method: 'GET',
        path: `/v1/customers/${customer}/journeys`,
        body: undefined,
      });
      const items: { journeyId?: string; group?: string; position?: { node?: string } | null }[] =
        Object(answer.body).items ?? [];
      const mine = items.find((item) => item.journeyId === journeyId && item.group === 'treated');
      if (mine !== undefined) {
        entered = { customer, node: mine.position?.node ?? null };
        break;
      }
    }
    expect(entered).toBeDefined();
  });

  test('a customer’s page says which journey they are in and at which step', async () => {
    if (entered === undefined) throw new Error('no customer entered the journey');
    await goTo(page, t, 'customers');
    await field(page, t.customers.search).fill(entered.customer);
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: `${t.customers.open} ${entered.customer}` }).click();
    expect(await textOf(page.getByTestId('customer-id'))).toBe(entered.customer);
    const section = page.getByRole('region', { name: t.customers.journeys, exact: true });
    const row = section.getByTestId(`customer-journey-${journeyId}`);
    await row.getByRole('link', { name: journeyName }).waitFor();
    expect(await row.innerText()).toContain(
      entered.node === null ? t.customers.left : t.customers.atStep(entered.node),
    );
    await screenshot(page, `${locale}-customer-journeys`);
    await row.getByRole('link', { name: journeyName }).click();
    await status().and(page.locator('[data-status="running"]')).waitFor();
  });
});
