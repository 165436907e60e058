import { type SegmentRule, WorkspaceSchema } from '@opencvm/core';
import { screen, within } from '@testing-library/react';
import { useState } from 'react';
import type { Locale } from '../src/i18n/i18n.tsx';
import { RuleBuilder } from '../src/pages/segments/rule-builder.tsx';
import type { RuleContext } from '../src/pages/segments/rule-model.ts';
import type { Explain, SchemaIssue } from '../src/pages/segments/segment-api.ts';
import { renderUi } from './render-ui.tsx';

export const schema = WorkspaceSchema.parse({
  workspace: { name: 'Test', currency: 'RUB', timezone: 'Europe/Moscow' },
  customer: {
    attributes: {
      tariff: { type: 'enum', values: ['basic', 'premium'] },
      arpu: { type: 'number' },
    },
  },
  events: { purchase: { amount: true }, app_open: {} },
});

export const context: RuleContext = {
  schema,
  segments: [{ id: 'vip', name: 'VIP' }],
  lists: ['stop'],
  selfId: null,
};

/** The builder as the segment editor holds it: the rule in state, every change recorded. */
export const renderBuilder = (
  initial: SegmentRule,
  options: {
    readonly locale?: Locale;
    readonly explain?: Explain;
    readonly issues?: readonly SchemaIssue[];
    readonly context?: RuleContext;
    readonly readOnly?: boolean;
  } = {},
) => {
  const changes: SegmentRule[] = [];
  const Editing = () => {
    const [rule, setRule] = useState(initial);
    return (
      <RuleBuilder
        rule={rule}
        onChange={(next) => {
          changes.push(next);
          setRule(next);
        }}
        context={options.context ?? context}
        explain={options.explain ?? null}
        issues={options.issues ?? []}
        readOnly={options.readOnly ?? false}
      />
    );
  };
  const rendered = renderUi(<Editing />, options.locale === undefined ? {} : { locale: options.locale });
  return { ...rendered, changes, last: () => changes.at(-1) };
};

/** The options a select offers once opened. */
export const optionsOf = async (
  user: ReturnType<typeof renderUi>['user'],
  label: string,
): Promise<string[]> => {
  await user.click(screen.getByRole('combobox', { name: label }));
  const options = within(screen.getByRole('listbox')).getAllByRole('option');
  const shown = options.map((option) => option.textContent ?? '');
  await user.keyboard('{Escape}');
  return shown;
};

export const pick = async (user: ReturnType<typeof renderUi>['user'], label: string, option: string) => {
  await user.click(screen.getByRole('combobox', { name: label }));
  await user.click(screen.getByRole('option', { name: option }));
};
