import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  campaignInput,
  offerInput,
  POSTGRES_URL,
  TEST_SCHEMA_INPUT,
  tempDir,
} from '@opencvm/storage/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/program.ts';

const PASSWORD = 'a long enough password';

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

type Env = Readonly<Record<string, string>>;

/** Where a test's workspace keeps its data: a DuckDB file, or a PostgreSQL schema of its own. */
const ENGINES: readonly {
  readonly name: string;
  readonly store: (dir: string) => Promise<Env & AsyncDisposable>;
}[] = [
  {
    name: 'DuckDB',
    store: async (dir) => ({ CVM_DATA_DIR: join(dir, 'data'), [Symbol.asyncDispose]: async () => {} }),
  },
  ...(POSTGRES_URL === undefined
    ? []
    : [
        {
          name: 'PostgreSQL',
          store: async () => {
            const schema = `cvm_cli_audit_${randomBytes(5).toString('hex')}`;
            return {
              CVM_DATABASE_URL: POSTGRES_URL ?? '',
              CVM_DATABASE_SCHEMA: schema,
              [Symbol.asyncDispose]: async () => {
                const client = new pg.Client({ connectionString: POSTGRES_URL });
                await client.connect();
                try {
                  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
                } finally {
                  await client.end();
                }
              },
            };
          },
        },
      ]),
];

const { createdBy: _author, ...definition } = campaignInput();

interface AuditRow {
  readonly seq: number;
  readonly actor: string;
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string } | null;
  readonly before: unknown;
  readonly after: unknown;
}

describe.each(ENGINES)('the audit log of cvm commands on $name', (engine) => {
  /** A workspace whose OS login is alice; `cli` runs `cvm` in this process, `stdin` standing in for standard input. */
  const workspace = async () => {
    const dir = tempDir();
    writeFileSync(join(dir.path, 'schema.json'), JSON.stringify(TEST_SCHEMA_INPUT));
    const store = await engine.store(dir.path);
    const env = { ...store, CVM_SCHEMA: join(dir.path, 'schema.json'), USER: 'alice' };
    const cli = async (argv: string[], stdin?: string, now = '2026-01-15T10:00:00Z') => {
      const stdout = buffer();
      const stderr = buffer();
      const original = Object.getOwnPropertyDescriptor(process, 'stdin');
      if (stdin !== undefined)
        Object.defineProperty(process, 'stdin', { value: Readable.from([stdin]), configurable: true });
      try {
        const code = await runCli(argv, {
          clock: () => new Date(now),
          stdout,
          stderr,
          env,
          cwd: dir.path,
        });
        return { code, out: stdout.text, err: stderr.text };
      } finally {
        if (stdin !== undefined && original !== undefined) Object.defineProperty(process, 'stdin', original);
      }
    };
    const audit = async (): Promise<AuditRow[]> => JSON.parse((await cli(['audit', 'list', '--json'])).out);
    const user = async (name: string, role: string) => {
      const created = await cli(['users', 'create', name, '--role', role, '--password-stdin'], PASSWORD);
      expect(created.code, created.err).toBe(0);
    };
    return {
      path: dir.path,
      cli,
      audit,
      user,
      [Symbol.asyncDispose]: async () => {
        await store[Symbol.asyncDispose]();
        dir[Symbol.dispose]();
      },
    };
  };

  it('records an import, a segment change and a campaign approval like the API does, in a chain that verifies', async () => {
    await using ws = await workspace();
    const { cli } = ws;
    writeFileSync(join(ws.path, 'customers.csv'), 'id,tier,city\nc1,gold,Berlin\nc2,silver,Hamburg\n');
    expect((await cli(['import', 'customers', 'customers.csv'])).code).toBe(0);
    const rule = JSON.stringify({ type: 'attribute', attribute: 'tier', op: '=', value: 'gold' });
    expect((await cli(['segment', 'create', 'gold', '--name', 'gold tier', '--rule', rule])).code).toBe(0);
    expect((await cli(['segment', 'update', 'gold', '--name', 'Gold'])).code).toBe(0);

    await ws.user('root', 'admin');
    await ws.user('ann', 'marketer');
    await ws.user('bob', 'approver');
    expect((await cli(['offer', 'create', '--json', JSON.stringify(offerInput()), '--as', 'ann'])).code).toBe(
      0,
    );
    const create = await cli(['campaign', 'create', '--json', JSON.stringify(definition), '--as', 'ann']);
    expect(create.code, create.err).toBe(0);
    expect((await cli(['campaign', 'submit', 'spring-sale', '--as', 'ann'])).code).toBe(0);
    expect(await cli(['campaign', 'approve', 'spring-sale', '--as', 'bob'])).toMatchObject({
      code: 0,
      out: 'campaign spring-sale is approved (version 3)\n',
    });

    const entries = await ws.audit();
    expect(entries.map((entry) => [entry.actor, entry.action])).toEqual([
      ['cli:alice as bob', 'campaign.approve'],
      ['cli:alice as ann', 'campaign.submit'],
      ['cli:alice as ann', 'campaign.create'],
      ['cli:alice as ann', 'offer.create'],
      ['cli:alice', 'user.create'],
      ['cli:alice', 'user.create'],
      ['cli:alice', 'user.create'],
      ['cli:alice', 'segment.update'],
      ['cli:alice', 'segment.create'],
      ['cli:alice', 'import.customers'],
    ]);
    const [approval, , created, offer, , , , segmentUpdate, segmentCreate, imported] = entries;
    expect(imported).toMatchObject({
      target: { type: 'import', id: expect.any(String) },
      before: null,
      after: { kind: 'customers', status: 'succeeded', read: 2, inserted: 2 },
    });
    expect(segmentCreate).toMatchObject({
      target: { type: 'segment', id: 'gold' },
      before: null,
      after: { id: 'gold', name: 'gold tier', version: 1 },
    });
    expect(segmentUpdate).toMatchObject({
      target: { type: 'segment', id: 'gold' },
      before: { id: 'gold', name: 'gold tier', version: 1 },
      after: { id: 'gold', name: 'Gold', version: 2, rule: JSON.parse(rule) },
    });
    expect(offer).toMatchObject({
      target: { type: 'offer', id: 'ten-off' },
      before: null,
      after: { id: 'ten-off' },
    });
    expect(created).toMatchObject({
      target: { type: 'campaign', id: 'spring-sale' },
      before: null,
      after: { id: 'spring-sale', status: 'draft', createdBy: 'ann' },
    });
    // As the API records it: before is the campaign as read (with its version), after the document.
    expect(approval).toMatchObject({
      target: { type: 'campaign', id: 'spring-sale' },
      before: { version: 2, campaign: { id: 'spring-sale', status: 'pending_approval' } },
      after: { id: 'spring-sale', status: 'approved' },
    });

    expect(await cli(['audit', 'verify'])).toMatchObject({ code: 0, out: /^audit log intact: 10 entries/ });
  });

  it('refuses --as naming an unknown, a disabled or an unentitled user, changing nothing', async () => {
    await using ws = await workspace();
    const { cli } = ws;
    await ws.user('root', 'admin');
    await ws.user('ann', 'marketer');
    await ws.user('bob', 'approver');
    await ws.user('carl', 'approver');
    expect((await cli(['users', 'update', 'carl', '--disable'])).code).toBe(0);
    await cli(['offer', 'create', '--json', JSON.stringify(offerInput()), '--as', 'ann']);
    await cli(['campaign', 'create', '--json', JSON.stringify(definition), '--as', 'ann']);
    await cli(['campaign', 'submit', 'spring-sale', '--as', 'ann']);
    const entries = (await ws.audit()).length;

    const refusals: readonly [string[], RegExp][] = [
      [
        ['campaign', 'approve', 'spring-sale', '--as', 'nobody'],
        /^error: --as nobody: no user named "nobody" \(see cvm users list\)\n$/,
      ],
      [
        ['campaign', 'approve', 'spring-sale', '--as', 'carl'],
        /^error: --as carl: user "carl" is disabled\n$/,
      ],
      [
        ['campaign', 'approve', 'spring-sale', '--as', 'ann'],
        /^error: --as ann: user "ann" \(marketer\) may not approve, .*: that needs the permission campaigns\.approve\n$/,
      ],
      // Without --as the OS login acts, and alice has no account.
      [['campaign', 'reject', 'spring-sale'], /^error: --as alice: no user named "alice"/],
      [['campaign', 'run', 'spring-sale', '--as', 'ann'], /needs the permission campaigns\.approve/],
      [['campaign', 'delete', 'spring-sale', '--as', 'bob'], /needs the permission campaigns\.write/],
      [['offer', 'delete', 'ten-off', '--as', 'bob'], /needs the permission offers\.write/],
      [
        ['segment', 'create', 'all', '--name', 'All', '--rule', '{"type":"and","rules":[]}', '--as', 'bob'],
        /needs the permission segments\.write/,
      ],
      [['ucg', 'rotate', '--as', 'ann'], /needs the permission settings\.write/],
    ];
    for (const [argv, message] of refusals) {
      const refused = await cli(argv);
      expect(refused.code, argv.join(' ')).toBe(2);
      expect(refused.err, argv.join(' ')).toMatch(message);
    }

    expect(JSON.parse((await cli(['campaign', 'show', 'spring-sale'])).out)).toMatchObject({
      version: 2,
      campaign: { status: 'pending_approval' },
    });
    expect((await cli(['offer', 'show', 'ten-off'])).code).toBe(0);
    expect((await cli(['segment', 'show', 'all'])).code).toBe(1);
    expect(await ws.audit()).toHaveLength(entries);

    // A refusal by the use case is not a change either.
    expect((await cli(['campaign', 'approve', 'spring-sale', '--as', 'root'])).code).toBe(0);
    expect((await cli(['campaign', 'complete', 'spring-sale', '--as', 'bob'])).code).toBe(1);
    expect((await ws.audit()).map((entry) => [entry.actor, entry.action]).slice(0, 2)).toEqual([
      ['cli:alice as root', 'campaign.approve'],
      ['cli:alice as ann', 'campaign.submit'],
    ]);
  });

  it('takes any --as name while the workspace has no users, noting it unchecked', async () => {
    await using ws = await workspace();
    const { cli } = ws;
    await cli(['offer', 'create', '--json', JSON.stringify(offerInput())]);
    await cli(['campaign', 'create', '--json', JSON.stringify(definition)]);
    await cli(['campaign', 'submit', 'spring-sale']);
    expect((await cli(['campaign', 'approve', 'spring-sale'])).code).toBe(1);
    expect((await cli(['campaign', 'approve', 'spring-sale', '--as', 'bob'])).out).toBe(
      'campaign spring-sale is approved (version 3)\n',
    );
    expect((await cli(['campaign', 'dry-run', 'spring-sale'])).code).toBe(0);
    expect(JSON.parse((await cli(['campaign', 'show', 'spring-sale'])).out)).toMatchObject({
      campaign: { createdBy: 'alice', status: 'approved' },
    });

    // The refused approval and the dry run left nothing.
    expect((await ws.audit()).map((entry) => [entry.actor, entry.action])).toEqual([
      ['cli:alice as bob (unchecked)', 'campaign.approve'],
      ['cli:alice', 'campaign.submit'],
      ['cli:alice', 'campaign.create'],
      ['cli:alice', 'offer.create'],
    ]);
    expect((await cli(['audit', 'verify'])).code).toBe(0);
  });
  it('records every other change a command makes, and nothing for reads, dry runs or no-ops', async () => {
    await using ws = await workspace();
    const { cli } = ws;
    writeFileSync(join(ws.path, 'customers.csv'), 'id,tier,city\nc1,gold,Berlin\nc2,silver,Hamburg\n');
    writeFileSync(
      join(ws.path, 'events.csv'),
      'id,customer_id,type,ts,amount\ne1,c1,purchase,2026-01-10T10:00:00Z,20.00\ne2,c2,purchase,2026-01-12T10:00:00Z,5.00\n',
    );
    writeFileSync(join(ws.path, 'vip.csv'), 'id\nc1\n');
    const rule = JSON.stringify({ type: 'attribute', attribute: 'tier', op: '=', value: 'gold' });
    const { id: _offerId, ...offerChange } = offerInput({ name: 'Ten off' });
    const steps: string[][] = [
      ['import', 'customers', 'customers.csv'],
      ['import', 'events', 'events.csv'],
      ['segment', 'create', 'gold', '--name', 'Gold', '--rule', rule],
      ['segment', 'snapshot', 'gold'],
      ['segment', 'count', 'gold'],
      ['features', 'refresh'],
      ['segment', 'preset', 'champions'],
      ['list', 'import', 'vip', 'vip.csv'],
      ['list', 'delete', 'vip'],
      ['segment', 'delete', 'gold'],
      ['offer', 'create', '--json', JSON.stringify(offerInput())],
      ['offer', 'update', 'ten-off', '--json', JSON.stringify(offerChange)],
      ['campaign', 'create', '--json', JSON.stringify(definition)],
      ['campaign', 'update', 'spring-sale', '--json', JSON.stringify({ ...definition, name: 'Renamed' })],
      ['campaign', 'from-template', 'win-back', 'winback-jan'],
      ['campaign', 'delete', 'winback-jan'],
      ['offer', 'delete', 'winback-30-off'],
      ['campaign', 'dry-run', 'spring-sale'],
      ['campaign', 'submit', 'spring-sale'],
      ['campaign', 'approve', 'spring-sale', '--as', 'bob'],
      ['campaign', 'start', 'spring-sale', '--as', 'bob'],
      ['campaign', 'run', 'spring-sale', '--as', 'bob'],
    ];
    for (const argv of steps) {
      const done = await cli(argv);
      expect(done.code, `${argv.join(' ')}: ${done.err}`).toBe(0);
    }
    const run = (await ws.audit())[0];
    expect((await cli(['ucg', 'rotate', '--share', '10'], undefined, '2026-02-01T00:00:00Z')).code).toBe(0);
    const runId =
      typeof run?.after === 'object' && run.after !== null && 'id' in run.after ? run.after.id : '';
    // Nothing failed, so nothing is requeued, and that is no change.
    expect(await cli(['outbox', 'requeue', String(runId)])).toMatchObject({ code: 0, out: /^0 message/ });
    const optimized = await cli(['optimize']);
    expect(optimized.code).toBe(0);

    const bob = 'cli:alice as bob (unchecked)';
    const expected = [
      ['cli:alice', 'import.customers', 'import'],
      ['cli:alice', 'import.events', 'import'],
      ['cli:alice', 'segment.create', 'segment gold'],
      ['cli:alice', 'segment.snapshot', 'segment gold'],
      ['cli:alice', 'features.refresh', null],
      ['cli:alice', 'segment.create', 'segment rfm-champions'],
      ['cli:alice', 'list.save', 'list vip'],
      ['cli:alice', 'list.delete', 'list vip'],
      ['cli:alice', 'segment.delete', 'segment gold'],
      ['cli:alice', 'offer.create', 'offer ten-off'],
      ['cli:alice', 'offer.update', 'offer ten-off'],
      ['cli:alice', 'campaign.create', 'campaign spring-sale'],
      ['cli:alice', 'campaign.update', 'campaign spring-sale'],
      ['cli:alice', 'campaign.create', 'campaign winback-jan'],
      ['cli:alice', 'offer.create', 'offer winback-30-off'],
      ['cli:alice', 'campaign.delete', 'campaign winback-jan'],
      ['cli:alice', 'offer.delete', 'offer winback-30-off'],
      ['cli:alice', 'campaign.submit', 'campaign spring-sale'],
      [bob, 'campaign.approve', 'campaign spring-sale'],
      [bob, 'campaign.start', 'campaign spring-sale'],
      [bob, 'campaign.run', 'campaign spring-sale'],
      ['cli:alice', 'ucg.rotate', 'ucg ucg'],
      // PostgreSQL keeps its own order: only the embedded store has events to rewrite.
      ...(optimized.out.startsWith('nothing to do') ? [] : [['cli:alice', 'store.optimize', null]]),
    ];
    const entries = (await ws.audit()).reverse();
    expect(
      entries.map((entry) => [
        entry.actor,
        entry.action,
        entry.target === null
          ? null
          : entry.target.type === 'import'
            ? 'import'
            : `${entry.target.type} ${entry.target.id}`,
      ]),
    ).toEqual(expected);
    const byAction = (action: string) => entries.filter((entry) => entry.action === action);
    expect(byAction('segment.delete')[0]).toMatchObject({
      before: { id: 'gold', name: 'Gold' },
      after: null,
    });
    expect(byAction('list.save')[0]).toMatchObject({ before: null, after: { name: 'vip', size: 1 } });
    expect(byAction('list.delete')[0]).toMatchObject({ before: { name: 'vip', size: 1 }, after: null });
    expect(byAction('offer.update')[0]).toMatchObject({
      before: { offer: { id: 'ten-off', name: '10% off the next purchase' } },
      after: { offer: { id: 'ten-off', name: 'Ten off' } },
    });
    expect(byAction('campaign.delete')[0]).toMatchObject({
      before: { campaign: { id: 'winback-jan' } },
      after: null,
    });
    expect(byAction('campaign.run')[0]).toMatchObject({
      before: null,
      after: { campaignId: 'spring-sale', dryRun: false },
    });
    expect(byAction('ucg.rotate')[0]).toMatchObject({ before: { share: 5 }, after: { share: 10 } });
    expect((await cli(['audit', 'verify'])).code).toBe(0);
    // Two dozen commands, each opening the store: longer than one test's default time on a busy machine.
  }, 240_000);
});
