import type { SegmentRule } from '@opencvm/core';
import { screen } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeApi } from './fake-api.ts';
import { context, optionsOf, pick, renderBuilder } from './rule-builder-harness.tsx';

const arpuAbove: SegmentRule = { type: 'attribute', attribute: 'arpu', op: '>', value: 100 };

beforeEach(() => {
  fakeApi({});
});

describe('the condition kinds', () => {
  it('days since an event: first or last, with the number of days typed in', async () => {
    const { user, last } = renderBuilder({
      type: 'recency',
      eventType: 'purchase',
      since: 'last',
      op: '>',
      value: 30,
    });
    await pick(user, 'Days since', 'the first event');
    expect(last()).toEqual({ type: 'recency', eventType: 'purchase', since: 'first', op: '>', value: 30 });
    await user.tripleClick(screen.getByRole('textbox', { name: 'Days' }));
    await user.keyboard('60');
    expect(last()).toMatchObject({ type: 'recency', since: 'first', value: 60 });
  });

  it('a feature compared with a list of numbers', async () => {
    const { user, last } = renderBuilder({ type: 'feature', feature: 'rfm_score', op: '>=', value: 3 });
    await pick(user, 'Operator', 'is one of');
    expect(last()).toEqual({ type: 'feature', feature: 'rfm_score', op: 'in', values: [3] });
    await user.type(screen.getByRole('combobox', { name: 'Values' }), '5{Enter}');
    expect(last()).toEqual({ type: 'feature', feature: 'rfm_score', op: 'in', values: [3, 5] });
  });

  it('membership of another segment never offers the segment being edited', async () => {
    const { user, last } = renderBuilder(
      { type: 'segment', segment: '' },
      {
        context: {
          ...context,
          segments: [
            { id: 'vip', name: 'VIP' },
            { id: 'self', name: 'This one' },
          ],
          selfId: 'self',
        },
      },
    );
    expect(await optionsOf(user, 'Segment')).toEqual(['VIP (vip)']);
    await pick(user, 'Segment', 'VIP (vip)');
    expect(last()).toEqual({ type: 'segment', segment: 'vip' });
  });

  it('a list condition says when no list is uploaded', () => {
    renderBuilder({ type: 'list', list: '' }, { context: { ...context, lists: [] } });
    expect(screen.getByText(/No lists uploaded yet/)).toBeDefined();
  });

  it('connected customers: relation kinds, hops and the base rule nested inside', async () => {
    const { user, last } = renderBuilder({ type: 'graph', base: arpuAbove, hops: 1, direction: 'any' });
    await pick(user, 'Hops', '2');
    expect(last()).toEqual({ type: 'graph', base: arpuAbove, hops: 2, direction: 'any' });
    await user.click(screen.getByRole('combobox', { name: 'Relation kinds' }));
    await user.click(screen.getByRole('option', { name: 'family' }));
    expect(last()).toEqual({ type: 'graph', base: arpuAbove, hops: 2, direction: 'any', kinds: ['family'] });
    expect(screen.getAllByRole('combobox', { name: 'Condition type' })).toHaveLength(2);
  });

  it('top N: ranked by an attribute, restricted to a nested rule when asked', async () => {
    const { user, last } = renderBuilder({
      type: 'top',
      by: { type: 'feature', feature: 'rfm_monetary' },
      n: 100,
      order: 'desc',
    });
    await pick(user, 'Rank by', 'attribute');
    expect(last()).toMatchObject({ type: 'top', by: { type: 'attribute', attribute: 'arpu' } });
    await user.click(screen.getByRole('checkbox', { name: 'Only among customers who match' }));
    expect(last()).toMatchObject({
      type: 'top',
      of: { type: 'attribute', attribute: 'tariff', op: '=', value: 'basic' },
    });
  });

  it('a sample by count instead of percent', async () => {
    const { user, last } = renderBuilder({ type: 'sample', percent: 10, seed: 'sample-1' });
    await pick(user, 'Sample size as', 'count');
    expect(last()).toEqual({ type: 'sample', count: 100, seed: 'sample-1' });
    expect(screen.getByRole('textbox', { name: 'Customers' })).toBeDefined();
    expect(screen.queryByRole('textbox', { name: 'Percent' })).toBeNull();
  });

  it('removing a not keeps the rule it negated', async () => {
    const { user, last } = renderBuilder({ type: 'not', rule: arpuAbove });
    await user.click(screen.getByRole('button', { name: 'Remove' }));
    expect(last()).toEqual(arpuAbove);
  });
});

describe('a read-only rule', () => {
  it('shows the rule without the buttons that change it', () => {
    renderBuilder({ type: 'and', rules: [arpuAbove, arpuAbove] }, { readOnly: true });
    expect(screen.getAllByRole('combobox', { name: 'Attribute' })).toHaveLength(2);
    expect(screen.queryByRole('button', { name: 'Add condition' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove condition 1' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Negate' })).toBeNull();
  });
});
