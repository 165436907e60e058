import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { campaignInput, offerInput, TEST_SCHEMA_INPUT, tempDir } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/program.ts';

/** From a campaign run to delivered messages with `cvm worker`, and the outbox commands. */

const buffer = () => {
  let text = '';
  return {
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    get text() {
      return text;
    },
  };
};

const cli = async (dir: string, argv: string[]) => {
  const stdout = buffer();
  const stderr = buffer();
  const code = await runCli(argv, {
    clock: () => new Date('2026-01-15T10:00:00Z'),
    stdout,
    stderr,
    env: { CVM_SCHEMA: join(dir, 'schema.json'), CVM_DATA_DIR: join(dir, 'data'), USER: 'alice' },
    cwd: dir,
  });
  return { code, out: stdout.text, err: stderr.text };
};

const CUSTOMERS = 200;

const workspace = (delivery: unknown) => {
  const dir = tempDir();
  writeFileSync(join(dir.path, 'schema.json'), JSON.stringify({ ...TEST_SCHEMA_INPUT, delivery }));
  const customers = ['id,msisdn,consent_sms_marketing,city,timezone'];
  const events = ['id,customer_id,type,ts,amount'];
  for (let index = 0; index < CUSTOMERS; index += 1) {
    customers.push(`c${index},+4917000${String(index).padStart(4, '0')},true,Berlin,UTC`);
    events.push(`e${index},c${index},purchase,2026-01-10T12:00:00Z,10.00`);
  }
  writeFileSync(join(dir.path, 'customers.csv'), `${customers.join('\n')}\n`);
  writeFileSync(join(dir.path, 'events.csv'), `${events.join('\n')}\n`);
  return dir;
};

const FILE_ROUTE = { channels: { sms: { adapter: 'file', options: { directory: 'call-lists' } } } };

describe('cvm worker and cvm outbox', () => {
  it('delivers a run’s queued messages through the configured channel and reports them', async () => {
    using dir = workspace(FILE_ROUTE);
    expect((await cli(dir.path, ['import', 'customers', 'customers.csv'])).code).toBe(0);
    expect((await cli(dir.path, ['import', 'events', 'events.csv'])).code).toBe(0);
    await cli(dir.path, ['offer', 'create', '--json', JSON.stringify(offerInput({ cooldownDays: 0 }))]);
    const { createdBy: _author, ...definition } = campaignInput();
    await cli(dir.path, ['campaign', 'create', '--json', JSON.stringify(definition)]);
    await cli(dir.path, ['campaign', 'submit', 'spring-sale']);
    await cli(dir.path, ['campaign', 'approve', 'spring-sale', '--as', 'bob']);
    await cli(dir.path, ['campaign', 'start', 'spring-sale', '--as', 'bob']);
    const run = await cli(dir.path, ['campaign', 'run', 'spring-sale']);
    expect(run.code, run.err).toBe(0);
    const queued = Number(/^outbox +queued +(\d+)$/m.exec(run.out)?.[1]);
    expect(queued).toBeGreaterThan(100);
    const runId = /^run (\S+)/m.exec(run.out)?.[1] ?? '';

    const worker = await cli(dir.path, ['worker', '--until-idle']);
    expect(worker.code, worker.err).toBe(0);
    expect(worker.out).toContain('delivery: sms via file');
    expect(worker.out).toContain(`sent ${queued}, retrying 0, failed 0, bounced 0`);

    const [file] = readdirSync(join(dir.path, 'call-lists'));
    const lines = readFileSync(join(dir.path, 'call-lists', file ?? ''), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(queued + 1);
    expect(lines[1]).toContain('Hello Berlin: 10% off the next purchase');

    const report = await cli(dir.path, ['outbox', 'report', runId]);
    expect(report.out).toContain(`sent ${queued}`);
    expect(report.out).toMatch(new RegExp(`sms: ${queued} accepted by the gateway`));
    expect((await cli(dir.path, ['outbox', 'dead-letters'])).out).toBe('no dead letters\n');
    // Nothing is sent twice: a second worker finds nothing due.
    expect((await cli(dir.path, ['worker', '--until-idle'])).out).toContain('sent 0,');
    expect((await cli(dir.path, ['outbox', 'report', 'nope'])).code).toBe(1);
  });

  it('refuses delivery routes with wrong options, naming each key', async () => {
    using dir = workspace({
      channels: {
        sms: {
          adapter: 'smpp',
          options: { host: 'smsc.example.org', systemId: 'cvm', password: { env: 'NOT_SET' } },
        },
        email: {
          adapter: 'smtp',
          options: { host: 'mail', port: 'twenty-five', from: { address: 'x@example.org' } },
        },
      },
    });
    const refused = await cli(dir.path, ['worker', '--until-idle']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('delivery.channels.sms.options.sourceAddr:');
    expect(refused.err).toContain('delivery.channels.email.options.port:');
  });

  it('says so when no channel has a route', async () => {
    using dir = workspace(undefined);
    const refused = await cli(dir.path, ['worker', '--until-idle']);
    expect(refused).toMatchObject({ code: 2, err: expect.stringMatching(/no channel has a delivery route/) });
  });
});
