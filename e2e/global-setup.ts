import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { CHROMIUM, hasChromium } from './harness/chromium.ts';
import { startServer } from './harness/server.ts';
import { SCREENSHOTS } from './harness/ui.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The web app's build the test servers serve (CVM_WEB_ROOT). */
    webRoot: string;
    /** A data directory with the demo base imported, which each test server starts from a copy of. */
    seedData: string;
  }
}

const REPO = resolve(import.meta.dirname, '..');

/**
 * Once for every test file: builds the web app into a directory of its own (a `dist/` rebuilt
 * by someone else during the run would change under the servers' feet), and makes the demo base
 * (generated, imported, its sample campaigns run) that every test server then starts from.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  project.provide('webRoot', '');
  project.provide('seedData', '');
  if (!hasChromium()) {
    console.warn(`e2e: ${CHROMIUM} is missing; the browser tests are skipped (apt-get install chromium)`);
    return async () => {};
  }
  // A failure's screenshot from an earlier run would only mislead.
  const earlier = await readdir(SCREENSHOTS).catch(() => []);
  for (const name of earlier.filter((file) => file.startsWith('failed-'))) await rm(join(SCREENSHOTS, name));
  const webRoot = await mkdtemp(join(tmpdir(), 'cvm-e2e-web-'));
  const cleanUp: string[] = [webRoot];
  const teardown = async () => {
    for (const dir of cleanUp) await rm(dir, { recursive: true, force: true });
  };
  const [built, seeded] = await Promise.allSettled([
    promisify(execFile)(
      'npm',
      ['run', 'build', '-w', '@opencvm/web', '--', '--outDir', webRoot, '--emptyOutDir'],
      {
        cwd: REPO,
        maxBuffer: 16 * 1024 * 1024,
      },
    ),
    startServer({ webRoot, customers: 2000 }),
  ]);
  if (seeded.status === 'fulfilled') {
    cleanUp.push(dirname(seeded.value.dataDir));
    await seeded.value.stop({ keepData: true });
  }
  if (built.status === 'rejected') {
    await teardown();
    throw built.reason;
  }
  if (seeded.status === 'rejected') {
    await teardown();
    throw seeded.reason;
  }
  project.provide('webRoot', webRoot);
  project.provide('seedData', seeded.value.dataDir);
  return teardown;
}
