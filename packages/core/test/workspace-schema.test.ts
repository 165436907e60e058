import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { eventAttributeColumns } from '../src/import/event-columns.ts';
import { parseWorkspaceSchema } from '../src/workspace/workspace-schema.ts';
import { pathsAndMessages } from './issue-text.ts';

const base = {
  workspace: { name: 'Shop', currency: 'EUR', timezone: 'Europe/Berlin' },
  customer: { attributes: { tier: { type: 'enum', values: ['gold', 'silver'] } } },
  events: { purchase: { amount: true, attributes: { sku: { type: 'string' } } } },
};

const issuesOf = (input: unknown) => {
  const result = parseWorkspaceSchema(input);
  return result.ok ? [] : pathsAndMessages(result.error.issues);
};

describe('workspace schema', () => {
  it('accepts the demo telecom schema shipped with the repository', () => {
    const text = readFileSync(new URL('../../../cvm.config.yaml', import.meta.url), 'utf8');
    const result = parseWorkspaceSchema(parse(text));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.workspace).toMatchObject({ currency: 'RUB', timezone: 'Europe/Moscow' });
    expect(Object.keys(result.value.events)).toContain('topup');
    expect(result.value.events.topup?.amount).toBe(true);
    expect(result.value.events.call?.amount).toBe(false);
    expect(result.value.contactPolicy).toEqual({
      caps: { sms: { day: 1, week: 3 }, total: { month: 8 } },
      quietHours: { default: { from: '21:00', to: '09:00' } },
    });
  });

  it('fills defaults: relation kinds, locale, empty attribute lists', () => {
    const result = parseWorkspaceSchema({ ...base, customer: undefined });
    expect(result.ok && result.value.relations.kinds).toEqual(['call', 'sms', 'family']);
    expect(result.ok && result.value.customer.attributes).toEqual({});
    expect(result.ok && result.value.workspace.defaultLocale).toBe('en');
    expect(result.ok && result.value.contactPolicy).toEqual({ caps: {}, quietHours: {} });
  });

  it('names the key of a contact policy error', () => {
    const policyIssues = (contactPolicy: unknown) => issuesOf({ ...base, contactPolicy });
    expect(policyIssues({ quietHours: { default: { from: '9pm', to: '09:00' } } })).toEqual([
      { path: 'contactPolicy.quietHours.default.from', message: 'must be a local time HH:MM such as 21:00' },
    ]);
    expect(policyIssues({ quietHours: { sms: { from: '21:00', to: '21:00' } } })).toEqual([
      { path: 'contactPolicy.quietHours.sms.to', message: 'from and to must differ' },
    ]);
    expect(policyIssues({ caps: { sms: { day: -1 } } })).toEqual([
      { path: 'contactPolicy.caps.sms.day', message: 'must not be negative' },
    ]);
    expect(policyIssues({ caps: { sms: { day: 1.5 } } })[0]?.path).toBe('contactPolicy.caps.sms.day');
    expect(policyIssues({ caps: { fax: { day: 1 } } })[0]).toMatchObject({
      path: 'contactPolicy.caps',
      message: expect.stringMatching(/fax/),
    });
    expect(policyIssues({ caps: { total: { month: 8 } } })).toEqual([]);
  });

  it('names the key and the problem', () => {
    expect(issuesOf({ ...base, workspace: { ...base.workspace, timezone: 'Mars/Base' } })).toEqual([
      { path: 'workspace.timezone', message: 'is not an IANA time zone (e.g. Europe/Moscow)' },
    ]);
    expect(issuesOf({ ...base, workspace: { ...base.workspace, currency: 'EURO' } })[0]?.path).toBe(
      'workspace.currency',
    );
    expect(issuesOf({ ...base, customer: { attributes: { tier: { type: 'enum', values: [] } } } })).toEqual([
      { path: 'customer.attributes.tier.values', message: 'must list at least one value' },
    ]);
    expect(issuesOf({ ...base, customer: { attributes: { Tier: { type: 'string' } } } })[0]?.path).toBe(
      'customer.attributes.Tier',
    );
    expect(issuesOf({ ...base, customer: { attributes: { tier: { type: 'money' } } } })[0]?.path).toBe(
      'customer.attributes.tier.type',
    );
    expect(issuesOf({ ...base, events: {} })).toEqual([
      { path: 'events', message: 'must declare at least one event type' },
    ]);
    expect(issuesOf({ ...base, colour: 'red' })[0]?.message).toMatch(/colour/);
  });

  it('refuses attribute names that clash with built-in fields or with each other', () => {
    expect(issuesOf({ ...base, customer: { attributes: { email: { type: 'string' } } } })).toEqual([
      { path: 'customer.attributes.email', message: '"email" is a built-in customer field' },
    ]);
    expect(
      issuesOf({ ...base, events: { ...base.events, visit: { attributes: { sku: { type: 'integer' } } } } }),
    ).toEqual([
      {
        path: 'events.visit.attributes.sku',
        message:
          'differs from events.purchase.attributes.sku; an attribute name has one definition across event types',
      },
    ]);
    expect(
      issuesOf({ ...base, events: { purchase: { attributes: { ts: { type: 'string' } } } } })[0]?.message,
    ).toBe('"ts" is a built-in event field');
    expect(
      issuesOf({ ...base, customer: { attributes: { tier: { type: 'enum', values: ['a', 'a'] } } } })[0],
    ).toEqual({
      path: 'customer.attributes.tier.values',
      message: 'lists a value twice',
    });
  });

  it('lists event attribute columns once across event types', () => {
    const result = parseWorkspaceSchema({
      ...base,
      events: {
        ...base.events,
        refund: { amount: true, attributes: { sku: { type: 'string' }, reason: { type: 'string' } } },
      },
    });
    expect(result.ok && [...eventAttributeColumns(result.value).keys()]).toEqual(['sku', 'reason']);
  });
});
