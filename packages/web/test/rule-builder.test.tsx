import type { SegmentRule } from '@opencvm/core';
import { screen } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeApi } from './fake-api.ts';
import { optionsOf, pick, renderBuilder } from './rule-builder-harness.tsx';

const tariffIsBasic: SegmentRule = { type: 'attribute', attribute: 'tariff', op: '=', value: 'basic' };

beforeEach(() => {
  fakeApi({});
});

describe('an attribute condition', () => {
  it('offers the operators of the chosen field, and starts the condition afresh for a new field', async () => {
    const { user, last } = renderBuilder(tariffIsBasic);
    expect(await optionsOf(user, 'Operator')).toEqual([
      '=',
      '≠',
      'is one of',
      'is none of',
      'is empty',
      'is not empty',
    ]);
    await pick(user, 'Attribute', 'arpu');
    expect(last()).toEqual({ type: 'attribute', attribute: 'arpu', op: '>', value: 0 });
    const numeric = await optionsOf(user, 'Operator');
    expect(numeric).toContain('between');
    expect(numeric).toContain('≥');
    expect(numeric).not.toContain('contains');
  });

  it('writes the rule the user edits: between two numbers typed in', async () => {
    const { user, last } = renderBuilder({ type: 'attribute', attribute: 'arpu', op: '>', value: 0 });
    await pick(user, 'Operator', 'between');
    expect(last()).toEqual({ type: 'attribute', attribute: 'arpu', op: 'between', from: 0, to: 0 });
    const from = screen.getByRole('textbox', { name: 'From' });
    await user.clear(from);
    await user.type(from, '100');
    const to = screen.getByRole('textbox', { name: 'To' });
    await user.clear(to);
    await user.type(to, '500.5');
    expect(last()).toEqual({ type: 'attribute', attribute: 'arpu', op: 'between', from: 100, to: 500.5 });
    expect(screen.queryByRole('textbox', { name: 'Value' })).toBeNull();
  });

  it('picks enum values from the list for "is one of"', async () => {
    const { user, last } = renderBuilder(tariffIsBasic);
    await pick(user, 'Operator', 'is one of');
    expect(last()).toEqual({ type: 'attribute', attribute: 'tariff', op: 'in', values: ['basic'] });
    await user.click(screen.getByRole('combobox', { name: 'Values' }));
    await user.click(screen.getByRole('option', { name: 'premium' }));
    expect(last()).toEqual({
      type: 'attribute',
      attribute: 'tariff',
      op: 'in',
      values: ['basic', 'premium'],
    });
  });

  it('shows the API issue at the field it names, and the count of the condition', async () => {
    renderBuilder(
      { type: 'attribute', attribute: 'arpu', op: '>', value: 0 },
      {
        issues: [{ path: 'rule.value', message: 'must be at most 1000' }],
        explain: {
          customers: 5000,
          matched: 1234,
          nodes: [{ path: '(root)', type: 'attribute', matched: 1234, cumulative: null }],
        },
      },
    );
    expect(screen.getByText('must be at most 1000')).toBeDefined();
    expect(screen.getByTestId('condition-count').textContent).toBe('1,234 match');
  });
});

describe('a group of conditions', () => {
  it('adds a condition, then removes one; a single condition cannot be removed', async () => {
    const arpuAbove: SegmentRule = { type: 'attribute', attribute: 'arpu', op: '>', value: 100 };
    const { user, last } = renderBuilder({ type: 'and', rules: [arpuAbove] });
    expect(screen.queryByRole('button', { name: 'Remove condition 1' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Add condition' }));
    expect(last()).toEqual({ type: 'and', rules: [arpuAbove, tariffIsBasic] });
    await user.click(screen.getByRole('button', { name: 'Remove condition 1' }));
    expect(last()).toEqual({ type: 'and', rules: [tariffIsBasic] });
    expect(screen.queryByRole('button', { name: 'Remove condition 1' })).toBeNull();
  });

  it('adds a group of the other kind, and negates a condition', async () => {
    const { user, last } = renderBuilder({ type: 'and', rules: [tariffIsBasic] });
    await user.click(screen.getByRole('button', { name: 'Add group' }));
    expect(last()).toEqual({ type: 'and', rules: [tariffIsBasic, { type: 'or', rules: [tariffIsBasic] }] });
    const [, firstChild] = screen.getAllByRole('button', { name: 'Negate' });
    if (firstChild === undefined) throw new Error('no Negate button on the first condition');
    await user.click(firstChild);
    expect(last()).toEqual({
      type: 'and',
      rules: [
        { type: 'not', rule: tariffIsBasic },
        { type: 'or', rules: [tariffIsBasic] },
      ],
    });
  });

  it('turns a condition into another kind, keeping it inside the new group', async () => {
    const { user, last } = renderBuilder(tariffIsBasic);
    await pick(user, 'Condition type', 'Any of (OR)');
    expect(last()).toEqual({ type: 'or', rules: [tariffIsBasic] });
  });
});

describe('an event aggregate', () => {
  it('asks for the field to sum, and offers the event type’s numeric fields', async () => {
    const { user, last } = renderBuilder({
      type: 'event',
      eventType: 'purchase',
      aggregate: 'count',
      op: '>=',
      value: 1,
      window: { days: 30 },
    });
    expect(screen.queryByRole('combobox', { name: 'Field' })).toBeNull();
    await pick(user, 'Aggregate', 'sum');
    expect(last()).toEqual({
      type: 'event',
      eventType: 'purchase',
      aggregate: 'sum',
      field: 'amount',
      op: '>=',
      value: 1,
      window: { days: 30 },
    });
    expect(await optionsOf(user, 'Field')).toEqual(['amount']);
  });

  it('changes the window to a number of days typed in', async () => {
    const { user, last } = renderBuilder({
      type: 'event',
      eventType: 'purchase',
      aggregate: 'count',
      op: '>=',
      value: 1,
    });
    await pick(user, 'Time window', 'last N days');
    expect(last()).toMatchObject({ type: 'event', window: { days: 30 } });
    // Typed over the 30 offered (an emptied field reads as a date range).
    await user.tripleClick(screen.getByRole('textbox', { name: 'Last days' }));
    await user.keyboard('90');
    expect(last()).toMatchObject({ type: 'event', window: { days: 90 } });
  });
});

describe('the builder in Russian', () => {
  it('labels the condition, its fields and the group buttons in Russian', async () => {
    const { user } = renderBuilder({ type: 'and', rules: [tariffIsBasic] }, { locale: 'ru' });
    expect(screen.getAllByRole('combobox', { name: 'Тип условия' })).toHaveLength(2);
    expect(screen.getByRole('combobox', { name: 'Атрибут' })).toBeDefined();
    expect(screen.getByRole('button', { name: 'Добавить условие' })).toBeDefined();
    expect(await optionsOf(user, 'Оператор')).toContain('одно из');
  });
});
