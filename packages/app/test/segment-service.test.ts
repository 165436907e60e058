import { join } from 'node:path';
import { DuckDbStore } from '@opencvm/storage';
import { TEST_SCHEMA_INPUT, tempDir, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/create-app.ts';

const clock = () => new Date('2026-01-15T10:00:00.000Z');

describe('segment use cases', () => {
  it('reports a saved segment that a later workspace schema no longer fits, with its path', async () => {
    using dir = tempDir();
    const path = join(dir.path, 'cvm.duckdb');
    {
      await using app = await createApp(
        { store: await DuckDbStore.open({ path, clock }), schema: testSchema() },
        { clock },
      );
      const vip = await app.segments.save(
        { id: 'vip', name: 'VIP', rule: { type: 'attribute', attribute: 'vip', op: '=', value: true } },
        'create',
      );
      expect(vip.ok).toBe(true);
      const gold = await app.segments.save(
        {
          id: 'gold-vip',
          name: 'Gold VIP',
          rule: {
            type: 'and',
            rules: [
              { type: 'attribute', attribute: 'tier', op: '=', value: 'gold' },
              { type: 'segment', segment: 'vip' },
            ],
          },
        },
        'create',
      );
      expect(gold.ok).toBe(true);
      expect(await app.segments.remove('vip')).toEqual({
        ok: false,
        error: { type: 'conflict', reason: 'in_use', message: 'segment "vip" is used by "gold-vip"' },
      });
    }
    // The workspace drops the `vip` attribute and the `gold` tier.
    const { vip: _dropped, ...attributes } = TEST_SCHEMA_INPUT.customer.attributes;
    const narrower = testSchema({
      ...TEST_SCHEMA_INPUT,
      customer: { attributes: { ...attributes, tier: { type: 'enum', values: ['silver', 'bronze'] } } },
    });
    await using app = await createApp(
      { store: await DuckDbStore.open({ path, clock }), schema: narrower },
      { clock },
    );
    const counted = await app.segments.count({ segment: 'gold-vip' });
    expect(counted.ok ? [] : counted.error).toEqual({
      type: 'invalid_input',
      issues: [
        { path: 'segments.gold-vip.rule.rules[0].value', message: expect.stringContaining('"gold"') },
        {
          path: 'segments.vip.rule.attribute',
          message: expect.stringContaining('unknown attribute "vip"'),
          kind: 'unknown_name',
        },
      ],
    });
  });
});
