import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { campaignInput, offerInput, TEST_SCHEMA_INPUT, tempDir } from '@opencvm/storage/testing';
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
    env: { CVM_SCHEMA: join(dir, 'schema.json'), CVM_DATA_DIR: join(dir, 'data'), USER: 'alice' },
    cwd: dir,
  });
  return { code, out: stdout.text, err: stderr.text };
};

const workspace = () => {
  const dir = tempDir();
  writeFileSync(join(dir.path, 'schema.json'), JSON.stringify(TEST_SCHEMA_INPUT));
  return dir;
};

const { createdBy: _author, ...definition } = campaignInput();

describe('cvm offer, campaign and ucg', () => {
  it('creates, updates, lists, shows and deletes offers, with one line per issue', async () => {
    using dir = workspace();
    writeFileSync(join(dir.path, 'offer.json'), JSON.stringify(offerInput()));
    expect(await cli(dir.path, ['offer', 'create', '--file', 'offer.json'])).toMatchObject({
      code: 0,
      out: 'created offer ten-off\n',
    });
    const duplicate = await cli(dir.path, ['offer', 'create', '--file', 'offer.json']);
    expect(duplicate).toMatchObject({ code: 1, err: 'error: offer "ten-off" already exists\n' });
    const bad = await cli(dir.path, [
      'offer',
      'create',
      '--json',
      JSON.stringify(offerInput({ id: 'bad', cost: '-1', priority: 2000 })),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(
      'error: cost: must not be negative\nerror: priority: must be a whole number from 0 to 1000\n',
    );
    expect((await cli(dir.path, ['offer', 'create', '--json', '{'])).code).toBe(2);
    expect((await cli(dir.path, ['offer', 'create'])).err).toMatch(/--file <file> or --json <text>/);

    const { id: _id, ...rest } = offerInput({ name: 'Ten off' });
    expect(await cli(dir.path, ['offer', 'update', 'ten-off', '--json', JSON.stringify(rest)])).toMatchObject(
      {
        code: 0,
        out: 'updated offer ten-off\n',
      },
    );
    expect((await cli(dir.path, ['offer', 'update', 'nope', '--json', JSON.stringify(rest)])).code).toBe(1);
    const listed = await cli(dir.path, ['offer', 'list']);
    expect(listed.out).toMatch(/^id\s+kind\s+valid\s+value\s+priority\s+name\n/);
    expect(listed.out).toMatch(/ten-off\s+discount\s+2026-01-01 – …\s+10\s+500\s+Ten off\n/);
    expect(JSON.parse((await cli(dir.path, ['offer', 'show', 'ten-off'])).out)).toMatchObject({
      offer: { id: 'ten-off', name: 'Ten off' },
    });
    expect(await cli(dir.path, ['offer', 'delete', 'ten-off'])).toMatchObject({
      code: 0,
      out: 'deleted offer ten-off\n',
    });
    expect(await cli(dir.path, ['offer', 'show', 'ten-off'])).toMatchObject({
      code: 1,
      err: 'error: no offer "ten-off"\n',
    });
  });

  it('runs the campaign lifecycle with the acting user from --as or the OS user', async () => {
    using dir = workspace();
    await cli(dir.path, ['offer', 'create', '--json', JSON.stringify(offerInput())]);
    writeFileSync(join(dir.path, 'campaign.json'), JSON.stringify(definition));
    expect(await cli(dir.path, ['campaign', 'create', '--file', 'campaign.json'])).toMatchObject({
      code: 0,
      out: 'created campaign spring-sale is draft (version 1)\n',
    });
    const shown = JSON.parse((await cli(dir.path, ['campaign', 'show', 'spring-sale'])).out);
    expect(shown).toMatchObject({ version: 1, campaign: { createdBy: 'alice', status: 'draft' } });

    const renamed = JSON.stringify({ ...definition, name: 'Renamed' });
    expect(
      (await cli(dir.path, ['campaign', 'update', 'spring-sale', '--json', renamed, '--expect-version', '1']))
        .out,
    ).toBe('updated campaign spring-sale is draft (version 2)\n');
    const stale = await cli(dir.path, [
      'campaign',
      'update',
      'spring-sale',
      '--json',
      renamed,
      '--expect-version',
      '1',
    ]);
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/changed meanwhile \(version 2, not 1\)/);

    expect((await cli(dir.path, ['campaign', 'submit', 'spring-sale'])).out).toBe(
      'campaign spring-sale is pending_approval (version 3)\n',
    );
    const self = await cli(dir.path, ['campaign', 'approve', 'spring-sale']);
    expect(self).toMatchObject({
      code: 1,
      err: 'error: campaign "spring-sale" must be approved by someone other than its author and its submitter\n',
    });
    expect((await cli(dir.path, ['campaign', 'approve', 'spring-sale', '--as', 'bob'])).out).toBe(
      'campaign spring-sale is approved (version 4)\n',
    );
    const early = await cli(dir.path, ['campaign', 'complete', 'spring-sale', '--as', 'bob']);
    expect(early).toMatchObject({
      code: 1,
      err: 'error: cannot complete campaign "spring-sale" while it is approved; it accepts start, stop\n',
    });
    await cli(dir.path, ['campaign', 'start', 'spring-sale', '--as', 'bob']);
    expect((await cli(dir.path, ['campaign', 'stop', 'spring-sale', '--note', 'budget cut'])).out).toBe(
      'campaign spring-sale is stopped (version 6)\n',
    );
    expect((await cli(dir.path, ['campaign', 'delete', 'spring-sale'])).code).toBe(1);

    await cli(dir.path, ['campaign', 'create', '--json', JSON.stringify({ ...definition, id: 'autumn' })]);
    const drafts = await cli(dir.path, ['campaign', 'list', '--status', 'draft']);
    expect(drafts.out).toMatch(
      /^id\s+status\s+version\s+channel\s+author\s+name\nautumn\s+draft\s+1\s+sms\s+alice\s+Spring sale\n$/,
    );
    expect((await cli(dir.path, ['campaign', 'list', '--status', 'paused'])).code).toBe(2);
    expect(await cli(dir.path, ['campaign', 'delete', 'autumn'])).toMatchObject({
      code: 0,
      out: 'deleted campaign autumn\n',
    });
    const invalid = await cli(dir.path, [
      'campaign',
      'create',
      '--json',
      JSON.stringify({ ...definition, id: 'x', offers: ['ten-of'] }),
    ]);
    expect(invalid).toMatchObject({
      code: 2,
      err: 'error: offers[0]: unknown offer "ten-of" (did you mean "ten-off"?)\n',
    });
  });

  it('lists the gallery and creates a draft from a template', async () => {
    using dir = workspace();
    const gallery = await cli(dir.path, ['campaign', 'templates']);
    expect(gallery.out).toMatch(/^win-back\s+available\s+Win back lapsed buyers$/m);
    expect(gallery.out).toMatch(/^welcome\s+not available\s+Welcome new customers$/m);
    expect(gallery.out).toMatch(/^ {2}audience\.rule\.attribute: unknown attribute "activation_date"/m);
    const created = await cli(dir.path, [
      'campaign',
      'from-template',
      'win-back',
      'winback-jan',
      '--valid-to',
      '2026-02-28',
    ]);
    expect(created).toMatchObject({
      code: 0,
      out: 'created campaign winback-jan is draft (version 1) from template win-back\ncreated offer winback-30-off\n',
    });
    const offer = JSON.parse((await cli(dir.path, ['offer', 'show', 'winback-30-off'])).out);
    expect(offer.offer).toMatchObject({ validFrom: '2026-01-15', validTo: '2026-02-28' });
    expect((await cli(dir.path, ['campaign', 'from-template', 'welcome', 'welcome'])).code).toBe(1);
    expect((await cli(dir.path, ['campaign', 'from-template', 'nope', 'x'])).code).toBe(1);
  });

  it('shows the UCG, drawn on first use, and rotates it', async () => {
    using dir = workspace();
    const shown = JSON.parse((await cli(dir.path, ['ucg', 'show', '--json'])).out);
    expect(shown).toMatchObject({ share: 5, rotatedAt: '2026-01-15T10:00:00.000Z', history: [] });
    expect(shown.salt).toMatch(/^.{8,}$/);
    const rotated = await cli(dir.path, ['ucg', 'rotate', '--share', '10'], '2026-02-01T00:00:00Z');
    expect(rotated.out).toMatch(/^rotated: share 10% since 2026-02-01T00:00:00.000Z \(salt .+\)\n$/);
    const after = await cli(dir.path, ['ucg', 'show']);
    expect(after.out).toContain(
      `  2026-01-15T10:00:00.000Z – 2026-02-01T00:00:00.000Z: share 5% (salt ${shown.salt})`,
    );
    expect((await cli(dir.path, ['ucg', 'rotate', '--share', 'lots'])).code).toBe(2);
    expect((await cli(dir.path, ['ucg', 'rotate', '--share', '101'], '2026-03-01T00:00:00Z')).code).toBe(2);
  });

  it('dry-runs and runs a campaign, printing the funnel, and lists its runs', async () => {
    using dir = workspace();
    await cli(dir.path, ['offer', 'create', '--json', JSON.stringify(offerInput())]);
    await cli(dir.path, ['campaign', 'create', '--json', JSON.stringify(definition)]);
    const dry = await cli(dir.path, ['campaign', 'dry-run', 'spring-sale']);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/dry run {2}completed/);
    expect(dry.out).toMatch(/^step +outcome +left +remaining$/m);
    expect(dry.out).toMatch(/^outbox +queued +0$/m);
    const refused = await cli(dir.path, ['campaign', 'run', 'spring-sale']);
    expect(refused).toMatchObject({ code: 1, err: expect.stringMatching(/only a running campaign runs/) });
    await cli(dir.path, ['campaign', 'submit', 'spring-sale']);
    await cli(dir.path, ['campaign', 'approve', 'spring-sale', '--as', 'bob']);
    await cli(dir.path, ['campaign', 'start', 'spring-sale', '--as', 'bob']);
    expect((await cli(dir.path, ['campaign', 'run', 'spring-sale'])).code).toBe(0);
    const runs = await cli(dir.path, ['campaign', 'runs', 'spring-sale']);
    expect(runs.out.split('\n').filter((line) => line !== '')).toHaveLength(3);
  });
});
