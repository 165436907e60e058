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

const cli = async (dir: string, argv: string[], env: Record<string, string> = {}) => {
  const stdout = buffer();
  const stderr = buffer();
  const code = await runCli(argv, {
    clock: () => new Date('2026-01-15T10:00:00Z'),
    stdout,
    stderr,
    env: { CVM_SCHEMA: join(dir, 'schema.json'), CVM_DATA_DIR: join(dir, 'data'), ...env },
    cwd: dir,
  });
  return { code, out: stdout.text, err: stderr.text };
};

const workspace = () => {
  const dir = tempDir();
  writeFileSync(join(dir.path, 'schema.json'), JSON.stringify(TEST_SCHEMA_INPUT));
  return dir;
};

describe('cvm command', () => {
  it('prints help with every command', async () => {
    using dir = workspace();
    const { code, out } = await cli(dir.path, ['--help']);
    expect(code).toBe(0);
    for (const command of ['serve', 'import', 'imports', 'summary', 'customers', 'demo'])
      expect(out).toContain(command);
  });

  it('imports a file, shows the summary line, and shows the customer', async () => {
    using dir = workspace();
    writeFileSync(
      join(dir.path, 'c.csv'),
      'id,tier,email,consent_email_marketing\nc1,gold,a@example.com,true\nc2,silver,,\n',
    );
    writeFileSync(
      join(dir.path, 'e.csv'),
      'id,customer_id,type,ts,amount,sku\ne1,c1,purchase,2025-01-10T10:00:00Z,19.99,SKU-9\n',
    );
    const customers = await cli(dir.path, ['import', 'customers', 'c.csv']);
    expect(customers.err).toBe('');
    expect(customers.code).toBe(0);
    expect(customers.out).toMatch(
      /^customers: read 2, inserted 2, updated 0, unchanged 0, duplicates 0, rejected 0, [\d.]+ s, \d+ rows\/s$/m,
    );
    const events = await cli(dir.path, ['import', 'events', 'e.csv']);
    expect(events.out).toMatch(/events: read 1, inserted 1/);
    const show = await cli(dir.path, ['customers', 'show', 'c1']);
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/tier\s+gold/);
    expect(show.out).toMatch(/email \/ marketing\s+yes/);
    expect(show.out).toMatch(/2025-01-10T10:00:00.000Z\s+purchase\s+19.99 EUR\s+sku=SKU-9/);
    const json = await cli(dir.path, ['customers', 'show', 'c1', '--json']);
    expect(JSON.parse(json.out).customer.tier).toBe('gold');
    const missing = await cli(dir.path, ['customers', 'show', 'nobody']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no customer with id "nobody"/);
    const runs = await cli(dir.path, ['imports', '--json']);
    expect(JSON.parse(runs.out)).toHaveLength(2);
    const summary = await cli(dir.path, ['summary']);
    expect(JSON.parse(summary.out)).toMatchObject({ customers: 2, events: 1 });
  });

  it('explains rejected rows and exits non-zero', async () => {
    using dir = workspace();
    writeFileSync(join(dir.path, 'c.csv'), 'id,tier\nc1,gold\nc2,diamond\n');
    const result = await cli(dir.path, ['import', 'customers', 'c.csv']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/1 row rejected; nothing was imported/);
    expect(result.err).toMatch(/line 3, tier = "diamond": "diamond" is not one of gold, silver, bronze/);
    expect(result.err).toContain('c.csv.rejects.csv');
  });

  it('maps columns with --map and refuses a malformed mapping', async () => {
    using dir = workspace();
    writeFileSync(join(dir.path, 'r.csv'), 'from,to,kind\nc1,c2,family\n');
    const ok = await cli(dir.path, ['import', 'relations', 'r.csv', '--map', 'from=src', '--map', 'to=dst']);
    expect(ok.out).toMatch(/relations: read 1, inserted 1/);
    const bad = await cli(dir.path, ['import', 'relations', 'r.csv', '--map', 'from']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/expected <file column>=<field>/);
  });

  it('maps columns declared in the workspace schema', async () => {
    using dir = workspace();
    writeFileSync(
      join(dir.path, 'schema.json'),
      JSON.stringify({ ...TEST_SCHEMA_INPUT, import: { customers: { client_no: 'id', Level: 'tier' } } }),
    );
    writeFileSync(join(dir.path, 'crm.csv'), 'client_no,Level\nK-1,gold\n');
    const result = await cli(dir.path, ['import', 'customers', 'crm.csv']);
    expect(result.out).toMatch(/customers: read 1, inserted 1/);
    const show = await cli(dir.path, ['customers', 'show', 'K-1', '--json']);
    expect(JSON.parse(show.out).customer.tier).toBe('gold');
  });

  it('names the key of a bad setting or schema', async () => {
    using dir = workspace();
    const port = await cli(dir.path, ['summary'], { PORT: 'eighty' });
    expect(port.code).toBe(2);
    expect(port.err).toMatch(/PORT: expected a port number/);
    writeFileSync(
      join(dir.path, 'schema.json'),
      JSON.stringify({
        ...TEST_SCHEMA_INPUT,
        workspace: { name: 'x', currency: 'EUR', timezone: 'Nowhere/City' },
      }),
    );
    const schema = await cli(dir.path, ['summary']);
    expect(schema.code).toBe(2);
    expect(schema.err).toMatch(/workspace\.timezone: is not an IANA time zone/);
  });
});
