import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium: the browser the tests drive (`apt-get install chromium`). */
export const CHROMIUM = '/usr/bin/chromium';

export const hasChromium = (): boolean => existsSync(CHROMIUM);

/** A suite's name, which says why it was skipped on a machine without the browser. */
export const suiteName = (name: string): string =>
  hasChromium() ? name : `${name} (skipped: ${CHROMIUM} is missing; apt-get install chromium)`;

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
