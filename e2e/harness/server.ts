import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 90_000;

/** A `cvm serve` of its own: port, data directory, workspace schema and delivery files. */
export interface TestServer {
  readonly url: string;
  /** Its data directory (the DuckDB file and the demo's generated files). */
  readonly dataDir: string;
  /** The one-time token the console prints while the workspace has no user. */
  readonly setupToken: string;
  /** Where the file channel writes each run's messages (one CSV per run). */
  readonly deliveries: string;
  /** Everything the server printed so far, for a failing test's message. */
  readonly output: () => string;
  /** Stops the server and removes its directory, unless `keepData` (to seed other servers). */
  readonly stop: (options?: { readonly keepData?: boolean }) => Promise<void>;
}

const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address !== null
          ? resolvePort(address.port)
          : reject(new Error('no port')),
      );
    });
  });

/**
 * The demo's telecom schema without its contact policy (quiet hours would hold back messages
 * depending on the hour the tests run at) and with every channel routed to CSV files.
 */
const testSchema = async (deliveries: string): Promise<string> => {
  const demo = await readFile(join(REPO, 'cvm.config.yaml'), 'utf8');
  const dropped = new Set(['contactPolicy', 'delivery']);
  let section = '';
  const kept: string[] = [];
  for (const line of demo.split('\n')) {
    const key = /^([A-Za-z]\w*):/.exec(line)?.[1];
    if (key !== undefined) section = key;
    if (!dropped.has(section)) kept.push(line);
  }
  const route = `{ adapter: file, options: { directory: ${JSON.stringify(deliveries)} } }`;
  return [
    ...kept,
    'delivery:',
    '  channels:',
    `    sms: ${route}`,
    `    email: ${route}`,
    `    push: ${route}`,
    '',
  ].join('\n');
};

const stopProcess = (child: ChildProcess): Promise<void> =>
  new Promise((resolveStop) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolveStop();
    });
    child.kill('SIGTERM');
  });

/**
 * Starts `cvm serve --demo` on a free port in a temporary directory, and resolves once it
 * listens and has printed its setup token. With `seedData`, the data directory starts as a copy
 * of that one (a demo base made once by the global setup); without, the demo base is generated
 * and imported first, which takes a while.
 */
export const startServer = async (options: {
  readonly webRoot: string;
  readonly seedData?: string;
  readonly customers?: number;
}): Promise<TestServer> => {
  const home = await mkdtemp(join(tmpdir(), 'cvm-e2e-'));
  const dataDir = join(home, 'data');
  if (options.seedData !== undefined && options.seedData !== '')
    await cp(options.seedData, dataDir, { recursive: true });
  const deliveries = join(home, 'deliveries');
  const schemaPath = join(home, 'cvm.config.yaml');
  await writeFile(schemaPath, await testSchema(deliveries));
  const port = await freePort();
  const { CVM_DATABASE_URL: _ignored, ...env } = process.env;
  const child = spawn(
    process.execPath,
    [
      join(REPO, 'packages/cli/bin/cvm.js'),
      'serve',
      '--demo',
      '--demo-customers',
      String(options.customers ?? 2000),
    ],
    {
      cwd: REPO,
      env: {
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        CVM_DATA_DIR: dataDir,
        CVM_SCHEMA: schemaPath,
        CVM_WEB_ROOT: options.webRoot,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const stop = async (stopOptions?: { readonly keepData?: boolean }) => {
    await stopProcess(child);
    if (stopOptions?.keepData !== true) await rm(home, { recursive: true, force: true });
  };

  try {
    const setupToken = await new Promise<string>((resolveToken, reject) => {
      const timeout = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`cvm serve did not start in ${START_TIMEOUT_MS} ms:\n${output}`));
      }, START_TIMEOUT_MS);
      const poll = setInterval(() => {
        const token = /one-time setup token:\s*\n\s*(\S+)/.exec(output)?.[1];
        if (output.includes('is listening on') && token !== undefined) {
          clearInterval(poll);
          clearTimeout(timeout);
          resolveToken(token);
        }
      }, 100);
      child.once('exit', (code) => {
        clearInterval(poll);
        clearTimeout(timeout);
        reject(new Error(`cvm serve exited with ${code}:\n${output}`));
      });
    });
    return {
      url: `http://127.0.0.1:${port}`,
      dataDir,
      setupToken,
      deliveries,
      output: () => output,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
