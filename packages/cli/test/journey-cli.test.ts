import { writeFileSync } from 'node:fs';
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
    env: { CVM_SCHEMA: join(dir, 'schema.json'), CVM_DATA_DIR: join(dir, 'data'), USER: 'alice' },
    cwd: dir,
  });
  return { code, out: stdout.text, err: stderr.text };
};

const journey = {
  id: 'welcome',
  name: 'Welcome',
  entry: { type: 'event', eventType: 'visit' },
  start: 'hello',
  nodes: [
    {
      id: 'hello',
      type: 'send',
      channel: 'sms',
      content: { type: 'sms', locales: { en: { text: 'Hi' } } },
      next: 'pause',
    },
    { id: 'pause', type: 'wait', wait: { type: 'duration', duration: { hours: 2 } }, next: 'done' },
    { id: 'done', type: 'exit' },
  ],
  holdoutShare: 0,
  goal: { eventType: 'purchase', kpi: 'conversion' },
  priority: 10,
  purpose: 'service',
};

describe('cvm journey', () => {
  it('creates a draft with its issues, runs the lifecycle, and shows the funnel a worker moves on', async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, 'schema.json'), JSON.stringify(TEST_SCHEMA_INPUT));
    const { start: _start, ...unfinished } = journey;
    writeFileSync(join(dir.path, 'draft.json'), JSON.stringify(unfinished));
    const draft = await cli(dir.path, ['journey', 'create', '--file', 'draft.json']);
    expect(draft.code).toBe(0);
    expect(draft.out).toBe(
      'created journey welcome is draft (version 1), 1 issue to fix before it is submitted\n' +
        '  start: the entry must lead to a first node\n',
    );
    expect((await cli(dir.path, ['journey', 'submit', 'welcome'])).code).toBe(1);
    writeFileSync(join(dir.path, 'journey.json'), JSON.stringify(journey));
    expect((await cli(dir.path, ['journey', 'update', 'welcome', '--file', 'journey.json'])).out).toBe(
      'updated journey welcome is draft (version 2)\n',
    );
    expect((await cli(dir.path, ['journey', 'submit', 'welcome'])).out).toBe(
      'journey welcome is pending_approval (version 3)\n',
    );
    const self = await cli(dir.path, ['journey', 'approve', 'welcome']);
    expect(self).toMatchObject({
      code: 1,
      err: 'error: journey "welcome" must be approved by someone other than its author and its submitter\n',
    });
    expect((await cli(dir.path, ['journey', 'approve', 'welcome', '--as', 'bob'])).code).toBe(0);
    expect((await cli(dir.path, ['journey', 'start', 'welcome', '--as', 'bob'])).out).toBe(
      'journey welcome is running (version 5)\n',
    );
    const listed = await cli(dir.path, ['journey', 'list']);
    expect(listed.out).toMatch(/welcome\s+running\s+5\s+event\s+0\s+Welcome\n/);

    writeFileSync(
      join(dir.path, 'customers.csv'),
      'id,msisdn,consent_sms_service\nk1,+491700000001,true\nk2,+491700000002,true\n',
    );
    expect((await cli(dir.path, ['import', 'customers', 'customers.csv'])).code).toBe(0);
    // Events from a file do not move journeys; the entries come from the API (here, the use case).
    const funnelBefore = JSON.parse((await cli(dir.path, ['journey', 'funnel', 'welcome', '--json'])).out);
    expect(funnelBefore.entered).toEqual({ treated: 0, holdout: 0, ucg: 0 });
    // Every step is in the funnel from the start, in the journey's order, at zero.
    expect(funnelBefore.nodes).toEqual(
      ['hello', 'pause', 'done'].map((node) => ({ node, reached: 0, here: 0, outcomes: {} })),
    );
    expect((await cli(dir.path, ['journey', 'worker', '--until-idle'])).out).toBe(
      'idle: entered 0, moved 0, queued 0\n',
    );
    expect((await cli(dir.path, ['journey', 'results', 'nope'])).code).toBe(1);
    expect((await cli(dir.path, ['journey', 'stop', 'welcome', '--as', 'bob'])).out).toBe(
      'journey welcome is stopped (version 6)\n',
    );
    expect((await cli(dir.path, ['journey', 'create', '--json', '{'])).code).toBe(2);
  });
});
