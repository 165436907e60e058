import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_SCHEMA_INPUT, tempDir } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/program.ts';

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

const cli = async (dir: string, argv: string[], now = '2026-01-15T10:00:00Z') => {
  const stdout = buffer();
  const stderr = buffer();
  const code = await runCli(argv, {
    clock: () => new Date(now),
    stdout,
    stderr,
    env: { CVM_SCHEMA: join(dir, 'schema.json'), CVM_DATA_DIR: join(dir, 'data') },
    cwd: dir,
  });
  return { code, out: stdout.text, err: stderr.text };
};

/** A workspace with five customers who all bought: c1 most recently, most often; c5 the most. */
const workspace = async () => {
  const dir = tempDir();
  writeFileSync(join(dir.path, 'schema.json'), JSON.stringify(TEST_SCHEMA_INPUT));
  writeFileSync(
    join(dir.path, 'customers.csv'),
    [
      'id,tier,city,visits',
      'c1,gold,Berlin,10',
      'c2,gold,Hamburg,3',
      'c3,silver,Berlin,7',
      'c4,bronze,"Frankfurt, Main",1',
      'c5,,Berlin,',
    ].join('\n'),
  );
  writeFileSync(
    join(dir.path, 'events.csv'),
    [
      'id,customer_id,type,ts,amount,sku',
      'e1,c1,purchase,2026-01-15T09:00:00Z,120.00,A',
      'e2,c1,purchase,2026-01-12T10:00:00Z,80.00,B',
      'e3,c1,purchase,2026-01-05T10:00:00Z,50.00,B',
      'e4,c2,purchase,2025-12-20T10:00:00Z,15.00,A',
      'e5,c3,purchase,2026-01-13T10:00:00Z,40.00,C',
      'e6,c3,purchase,2026-01-10T10:00:00Z,30.00,C',
      'e7,c4,purchase,2025-11-01T10:00:00Z,10.00,A',
      'e8,c5,purchase,2025-12-01T10:00:00Z,300.00,D',
      'e9,c4,visit,2026-01-14T10:00:00Z,,',
    ].join('\n'),
  );
  for (const args of [
    ['import', 'customers', 'customers.csv'],
    ['import', 'events', 'events.csv'],
  ]) {
    const imported = await cli(dir.path, args);
    if (imported.code !== 0) {
      dir[Symbol.dispose]();
      throw new Error(imported.err);
    }
  }
  return dir;
};

const goldOrBerlin = JSON.stringify({
  type: 'and',
  rules: [
    { type: 'attribute', attribute: 'city', op: '=', value: 'Berlin' },
    { type: 'activity', eventType: 'purchase', done: true, window: { days: 30 } },
  ],
});

describe('cvm segment', () => {
  it('lists the segment, list and features commands in the help', async () => {
    using dir = tempDir();
    const help = await cli(dir.path, ['--help']);
    for (const command of ['segment', 'list', 'features']) expect(help.out).toContain(command);
    const segmentHelp = await cli(dir.path, ['segment', '--help']);
    for (const command of ['create', 'count', 'preview', 'explain', 'snapshot', 'export', 'presets'])
      expect(segmentHelp.out).toContain(command);
  });

  it('takes a segment through create, count, preview, explain, snapshots, export, versions and delete', async () => {
    using dir = await workspace();
    const created = await cli(dir.path, [
      'segment',
      'create',
      'berlin-buyers',
      '--name',
      'Berlin buyers',
      '--rule',
      goldOrBerlin,
    ]);
    expect(created.err).toBe('');
    expect(created.out).toBe('created segment berlin-buyers (version 1)\n');
    const again = await cli(dir.path, [
      'segment',
      'create',
      'berlin-buyers',
      '--name',
      'x',
      '--rule',
      goldOrBerlin,
    ]);
    expect(again.code).toBe(1);
    expect(again.err).toBe('error: segment "berlin-buyers" already exists\n');

    expect((await cli(dir.path, ['segment', 'count', 'berlin-buyers'])).out).toBe('2\n');
    const inline = await cli(dir.path, [
      'segment',
      'count',
      '--rule',
      '{"type":"attribute","attribute":"tier","op":"=","value":"gold"}',
      '--json',
    ]);
    expect(JSON.parse(inline.out)).toEqual({ count: 2 });

    const preview = await cli(dir.path, ['segment', 'preview', 'berlin-buyers']);
    expect(preview.code).toBe(0);
    expect(preview.out.split('\n')).toEqual(['id  city', 'c1  Berlin', 'c3  Berlin', '(2 members)', '']);
    const columns = await cli(dir.path, [
      'segment',
      'preview',
      'berlin-buyers',
      '--columns',
      'id,tier,visits',
      '--limit',
      '1',
      '--json',
    ]);
    expect(JSON.parse(columns.out)).toEqual({
      columns: ['id', 'tier', 'visits'],
      rows: [{ id: 'c1', tier: 'gold', visits: 10 }],
    });

    const explain = await cli(dir.path, ['segment', 'explain', 'berlin-buyers']);
    const lines = explain.out.split('\n');
    expect(lines[0]).toBe('matches 2 of 5 customers');
    expect(lines[1]).toMatch(/^path\s+type\s+matched\s+with earlier\s+condition$/);
    expect(lines[2]).toMatch(/^\(root\)\s+and\s+2\s+all of 2$/);
    expect(lines[3]).toMatch(/^ {2}rules\[0\]\s+attribute\s+3\s+3\s+city = "Berlin"$/);
    expect(lines[4]).toMatch(/^ {2}rules\[1\]\s+activity\s+3\s+2 \(−1\)\s+did purchase in the last 30 days$/);
    const explainJson = JSON.parse(
      (await cli(dir.path, ['segment', 'explain', 'berlin-buyers', '--json'])).out,
    );
    expect(explainJson).toEqual({
      customers: 5,
      matched: 2,
      nodes: [
        { path: '(root)', type: 'and', matched: 2, cumulative: null },
        { path: 'rules[0]', type: 'attribute', matched: 3, cumulative: 3 },
        { path: 'rules[1]', type: 'activity', matched: 3, cumulative: 2 },
      ],
    });

    const first = await cli(dir.path, ['segment', 'snapshot', 'berlin-buyers']);
    expect(first.out).toMatch(/^snapshot \S+: 2 members \(first snapshot\)\n$/);

    const exported = await cli(dir.path, [
      'segment',
      'export',
      'berlin-buyers',
      '--out',
      'members.csv',
      '--columns',
      'id,city,visits',
    ]);
    expect(exported.out).toBe('wrote 2 members to members.csv\n');
    expect(readFileSync(join(dir.path, 'members.csv'), 'utf8')).toBe(
      'id,city,visits\nc1,Berlin,10\nc3,Berlin,7\n',
    );
    const badColumn = await cli(dir.path, [
      'segment',
      'export',
      'berlin-buyers',
      '--out',
      'x.csv',
      '--columns',
      'id,nope',
    ]);
    expect(badColumn.code).toBe(2);
    expect(badColumn.err).toMatch(/^error: columns: unknown customer column "nope"/);

    const everyone = JSON.stringify({ type: 'attribute', attribute: 'city', op: 'is not null' });
    const updated = await cli(dir.path, ['segment', 'update', 'berlin-buyers', '--rule', everyone]);
    expect(updated.out).toBe('updated segment berlin-buyers (version 2)\n');
    // A change based on version 1 is stale now: refused, and nothing is written.
    const stale = await cli(dir.path, [
      'segment',
      'update',
      'berlin-buyers',
      '--name',
      'Stale',
      '--expect-version',
      '1',
    ]);
    expect(stale.code).toBe(1);
    expect(stale.err).toBe(
      'error: segment "berlin-buyers" changed meanwhile (version 2, not 1); reload it and try again\n',
    );
    const second = JSON.parse(
      (await cli(dir.path, ['segment', 'snapshot', 'berlin-buyers', '--json'], '2026-01-15T11:00:00Z')).out,
    );
    expect(second).toMatchObject({ segmentId: 'berlin-buyers', version: 2, size: 5, entered: 3, left: 0 });
    const snapshots = await cli(dir.path, ['segment', 'snapshots', 'berlin-buyers']);
    const history = snapshots.out.trim().split('\n');
    expect(history[0]).toMatch(/^taken\s+version\s+size\s+entered\s+left\s+snapshot$/);
    expect(history.slice(1).map((line) => line.split(/\s+/).slice(1, 5))).toEqual([
      ['2', '5', '3', '0'],
      ['1', '2', '—', '—'],
    ]);
    const changes = await cli(dir.path, ['segment', 'changes', second.id]);
    expect(changes.out).toBe('entered (3)\n  c2\n  c4\n  c5\nleft (0)\n');

    const shown = await cli(dir.path, ['segment', 'show', 'berlin-buyers']);
    expect(shown.out).toMatch(/^segment berlin-buyers \(version 2\)\n {2}name\s+Berlin buyers\n/);
    expect(shown.out).toContain('rule         city is not null');
    const versions = await cli(dir.path, ['segment', 'versions', 'berlin-buyers']);
    expect(versions.out.trim().split('\n').slice(1)).toEqual([
      expect.stringMatching(/^\s*2\s+\S+\s+Berlin buyers\s+city is not null$/),
      expect.stringMatching(
        /^\s*1\s+\S+\s+Berlin buyers\s+city = "Berlin" and did purchase in the last 30 days$/,
      ),
    ]);
    expect(JSON.parse((await cli(dir.path, ['segment', 'list', '--json'])).out)).toEqual([
      expect.objectContaining({ id: 'berlin-buyers', version: 2 }),
    ]);

    const deleted = await cli(dir.path, ['segment', 'delete', 'berlin-buyers']);
    expect(deleted.out).toBe('deleted segment berlin-buyers\n');
    const gone = await cli(dir.path, ['segment', 'show', 'berlin-buyers']);
    expect(gone.code).toBe(1);
    expect(gone.err).toBe('error: no segment "berlin-buyers"\n');
    expect((await cli(dir.path, ['segment', 'count', 'berlin-buyers'])).code).toBe(1);
  });

  it('prints each issue of an invalid rule with its path and exits 2', async () => {
    using dir = await workspace();
    writeFileSync(
      join(dir.path, 'rule.json'),
      JSON.stringify({
        type: 'and',
        rules: [
          { type: 'attribute', attribute: 'citty', op: '=', value: 'Berlin' },
          { type: 'activity', eventType: 'purchse', done: true },
        ],
      }),
    );
    const result = await cli(dir.path, [
      'segment',
      'create',
      'bad',
      '--name',
      'Bad',
      '--rule-file',
      'rule.json',
    ]);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toBe(
      [
        'error: rule.rules[0].attribute: unknown attribute "citty" (did you mean "city"?)',
        'error: rule.rules[1].eventType: unknown event type "purchse" (did you mean "purchase"?)',
        '',
      ].join('\n'),
    );
    const count = await cli(dir.path, [
      'segment',
      'count',
      '--rule',
      '{"type":"attribute","attribute":"tier","op":"=","value":"gld"}',
    ]);
    expect(count.code).toBe(2);
    expect(count.err).toBe('error: rule.value: unknown value "gld" for tier (did you mean "gold"?)\n');
    const shape = await cli(dir.path, [
      'segment',
      'count',
      '--rule',
      '{"type":"activity","eventType":"purchase","done":true,"window":{"days":0}}',
    ]);
    expect(shape.code).toBe(2);
    expect(shape.err).toBe('error: rule.window.days: must be a positive integer\n');
    const notJson = await cli(dir.path, ['segment', 'count', '--rule', '{type:']);
    expect(notJson.code).toBe(2);
    expect(notJson.err).toMatch(/^error: --rule: not valid JSON/);
    const both = await cli(dir.path, ['segment', 'count', 'x', '--rule', '{}']);
    expect(both.code).toBe(2);
    expect(both.err).toBe('error: give a segment id or a rule, not both\n');
    expect((await cli(dir.path, ['segment', 'list'])).out).toBe('no segments\n');
  });

  it('uploads a list, uses it in a rule, and refuses to delete it while used', async () => {
    using dir = await workspace();
    writeFileSync(join(dir.path, 'vip.csv'), 'customer_id,note\nc2,x\nc4,y\nz9,not a customer\n');
    const imported = await cli(dir.path, ['list', 'import', 'vip', 'vip.csv']);
    expect(imported.err).toBe('');
    expect(imported.out).toBe('list vip: 3 ids, 2 of them customers\n');
    const lists = await cli(dir.path, ['list', 'list']);
    expect(lists.out).toMatch(/^name\s+ids\s+customers\s+updated\nvip\s+3\s+2\s+2026-01-15T10:00:00.000Z\n$/);

    const rule = JSON.stringify({
      type: 'or',
      rules: [
        { type: 'list', list: 'vip' },
        { type: 'attribute', attribute: 'tier', op: '=', value: 'silver' },
      ],
    });
    expect((await cli(dir.path, ['segment', 'count', '--rule', rule])).out).toBe('3\n');
    const explain = await cli(dir.path, ['segment', 'explain', '--rule', rule]);
    expect(explain.out).toMatch(/rules\[0\]\s+list\s+2\s+2\s+in list "vip"/);
    expect(explain.out).toMatch(/rules\[1\]\s+attribute\s+1\s+3 \(\+1\)\s+tier = "silver"/);
    await cli(dir.path, ['segment', 'create', 'vips', '--name', 'VIPs', '--rule', rule]);
    const used = await cli(dir.path, ['list', 'delete', 'vip']);
    expect(used.code).toBe(1);
    expect(used.err).toBe('error: list "vip" is used by "vips"\n');
    const unknownList = await cli(dir.path, ['segment', 'count', '--rule', '{"type":"list","list":"vips"}']);
    expect(unknownList.code).toBe(2);
    expect(unknownList.err).toMatch(/^error: rule.list: unknown list "vips"/);

    writeFileSync(join(dir.path, 'empty.csv'), 'id\n');
    const empty = await cli(dir.path, ['list', 'import', 'none', 'empty.csv']);
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/empty.csv: holds no customer ids/);
    writeFileSync(join(dir.path, 'gaps.csv'), 'customer_id,note\nc1,a\n\n,b\n');
    const gaps = await cli(dir.path, ['list', 'import', 'gaps', 'gaps.csv']);
    expect(gaps.code).toBe(1);
    expect(gaps.err).toMatch(/gaps\.csv: line 4: the customer id is empty\n$/);
    const badName = await cli(dir.path, ['list', 'import', 'Bad Name', 'vip.csv']);
    expect(badName.code).toBe(2);
    expect(badName.err).toMatch(/^error: name: must start with/);

    expect((await cli(dir.path, ['segment', 'delete', 'vips'])).code).toBe(0);
    expect((await cli(dir.path, ['list', 'delete', 'vip'])).out).toBe('deleted list vip\n');
    expect((await cli(dir.path, ['list', 'list', '--json'])).out).toBe('[]\n');
  });

  it('refreshes RFM features and saves a preset on them', async () => {
    using dir = await workspace();
    const presets = await cli(dir.path, ['segment', 'presets']);
    expect(presets.out).toMatch(/^champions\s+Champions\s+rfm_r >= 4 and rfm_f >= 4 and rfm_m >= 4$/m);
    const refreshed = await cli(dir.path, ['features', 'refresh']);
    expect(refreshed.err).toBe('');
    expect(refreshed.out).toMatch(
      /^scored 5 customers in \d+\.\d\d s \(purchase, refund in the 365 days to 2026-01-15T10:00:00.000Z\)\n$/,
    );
    const saved = await cli(dir.path, ['segment', 'preset', 'champions']);
    expect(saved.out).toBe('saved segment rfm-champions "RFM: Champions" (version 1)\n');
    // c1 scores 5, 5, 4; c3, next, 4, 4, 3.
    const members = await cli(dir.path, ['segment', 'preview', 'rfm-champions', '--json']);
    expect(JSON.parse(members.out).rows).toEqual([{ id: 'c1' }]);
    const unknown = await cli(dir.path, ['segment', 'preset', 'whales']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^error: preset: unknown preset "whales"; known: champions, loyal/);
  });
});
