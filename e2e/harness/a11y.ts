import type { Page } from 'playwright-core';

/**
 * The accessible name of an element as the browser's accessibility tree would give it, for the
 * cases the UI uses: aria-labelledby, aria-label, a <label> (without a required field's
 * asterisk), a title, and for buttons and links their text. Runs in the page, so it is written as
 * the text of a function: the Node side compiles without the DOM's types.
 */
const NAME_OF = `(el) => {
  const text = (node) => (node === null ? '' : (node.textContent || '').replace(/\\s*\\*\\s*$/, '').trim());
  const labelledBy = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
  const fromIds = labelledBy.map((id) => text(document.getElementById(id))).join(' ').trim();
  if (fromIds !== '') return fromIds;
  const aria = (el.getAttribute('aria-label') || '').trim();
  if (aria !== '') return aria;
  for (const label of el.labels || []) if (text(label) !== '') return text(label);
  const title = (el.getAttribute('title') || '').trim();
  if (title !== '') return title;
  if (el.matches('button, a, [role="button"], [role="tab"], [role="option"]')) return text(el);
  return '';
}`;

/**
 * The form fields (input, select, textarea) a user can reach on the page: how many, and those
 * without an accessible name (their HTML, to say which).
 */
export const formFields = async (
  page: Page,
): Promise<{ readonly count: number; readonly unnamed: string[] }> => {
  const found: unknown = await page.evaluate(`(() => {
    const nameOf = ${NAME_OF};
    const fields = [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => el.type !== 'hidden' && el.getClientRects().length > 0)
      .filter((el) => el.closest('[aria-hidden="true"], [inert]') === null);
    const unnamed = fields
      .filter((el) => nameOf(el) === '')
      .map((el) => el.outerHTML.replace(/\\sclass="[^"]*"/g, '').slice(0, 240));
    return [fields.length, ...unnamed];
  })()`);
  if (!Array.isArray(found)) return { count: 0, unnamed: [`unexpected answer: ${JSON.stringify(found)}`] };
  const [count, ...unnamed] = found;
  return { count: Number(count), unnamed: unnamed.map(String) };
};

/** The accessible name of the element that has the keyboard focus ('' for the page itself). */
export const focusedName = async (page: Page): Promise<string> => {
  const name: unknown = await page.evaluate(`(() => {
    const el = document.activeElement;
    return el === null || el === document.body ? '' : (${NAME_OF})(el);
  })()`);
  return typeof name === 'string' ? name : '';
};

/**
 * Presses Tab until the focus is on the element named `name` (at most `limit` times), as a
 * keyboard user would; fails naming where the focus went instead.
 */
export const tabTo = async (page: Page, name: string | RegExp, limit = 60): Promise<void> => {
  const visited: string[] = [];
  for (let presses = 0; presses < limit; presses += 1) {
    await page.keyboard.press('Tab');
    const focused = await focusedName(page);
    if (typeof name === 'string' ? focused === name : name.test(focused)) return;
    visited.push(focused);
  }
  throw new Error(`Tab never reached "${String(name)}"; the focus went through: ${visited.join(' → ')}`);
};

/**
 * Moves the focus inside a composite widget (tabs, a radio group) with an arrow key until it is on
 * the element named `name`: such widgets take one Tab stop and arrows within, as ARIA prescribes.
 */
export const arrowTo = async (page: Page, name: string, key = 'ArrowRight', limit = 12): Promise<void> => {
  const visited: string[] = [];
  for (let presses = 0; presses < limit; presses += 1) {
    await page.keyboard.press(key);
    const focused = await focusedName(page);
    if (focused === name) return;
    visited.push(focused);
  }
  throw new Error(`${key} never reached "${name}"; the focus went through: ${visited.join(' → ')}`);
};
