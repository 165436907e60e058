import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parse } from 'yaml';
import type { RowIssue } from '../src/import/records.ts';
import { createRowValidator } from '../src/import/row-validation.ts';
import type { Result } from '../src/result.ts';
import { parseWorkspaceSchema, type WorkspaceSchema } from '../src/workspace/workspace-schema.ts';

/** Workspaces and helpers shared by the row validation, timestamp and money tests. */
export const load = (input: unknown): WorkspaceSchema => {
  const parsed = parseWorkspaceSchema(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
};

export const telecom = load(
  parse(readFileSync(new URL('../../../cvm.config.yaml', import.meta.url), 'utf8')),
);

/** Every attribute type, in a zone with DST (Berlin: CET/CEST). */
export const shop = load({
  workspace: { name: 'Shop', currency: 'EUR', timezone: 'Europe/Berlin' },
  customer: {
    attributes: {
      tier: { type: 'enum', values: ['gold', 'silver'] },
      visits: { type: 'integer' },
      score: { type: 'number' },
      vip: { type: 'boolean' },
      birth_date: { type: 'date' },
      signup_at: { type: 'timestamp' },
      nickname: { type: 'string' },
      size: { type: 'enum', values: ['xxs', 'xs', 's', 'm', 'l', 'xl', 'xxl', '3xl', '4xl', '5xl', '6xl'] },
    },
  },
  events: { purchase: { amount: true, attributes: { sku: { type: 'string' } } }, visit: {} },
  relations: { kinds: ['family', 'friend'] },
});

export const issuesOf = (result: Result<unknown, RowIssue[]>): RowIssue[] => (result.ok ? [] : result.error);

export const customer = createRowValidator(shop, 'customers');

/** The stored value of one customer field, failing the test when the row is refused. */
export const stored = (field: string, value: unknown): unknown => {
  const result = customer({ id: 'c1', [field]: value });
  if (!result.ok) throw new Error(`${JSON.stringify(value)} refused: ${JSON.stringify(result.error)}`);
  return result.value[field];
};

/** Why one customer field is refused (its only issue), or undefined when it is accepted. */
export const refusal = (field: string, value: unknown): string | undefined => {
  const issues = issuesOf(customer({ id: 'c1', [field]: value }));
  expect(issues.length, JSON.stringify(issues)).toBeLessThanOrEqual(1);
  return issues[0]?.reason;
};
