import type { SegmentRule, SegmentRuleType } from '@opencvm/core';
import { type ComponentType, createContext, useContext } from 'react';
import type { RuleContext } from '../rule-model.ts';
import type { Explain, SchemaIssue } from '../segment-api.ts';

export type FieldIssues = readonly { readonly field: string; readonly message: string }[];
/** The message for one field of the rule being edited (`value`, `window.days`), or null. */
export type IssueOf = (field: string) => string | null;

/** What every editor in the tree reads: the schema and names, the counts, the issues, read-only. */
export interface Builder {
  readonly context: RuleContext;
  readonly explain: ReadonlyMap<string, Explain['nodes'][number]>;
  readonly issues: readonly SchemaIssue[];
  readonly readOnly: boolean;
}

export const BuilderContext = createContext<Builder | null>(null);

export const useBuilder = (): Builder => {
  const builder = useContext(BuilderContext);
  if (builder === null) throw new Error('useBuilder outside RuleBuilder');
  return builder;
};

/** One rule of the tree, at its path, with its frame (type, counts, remove). */
export interface RuleNodeProps {
  readonly rule: SegmentRule;
  readonly onChange: (rule: SegmentRule) => void;
  readonly path: string;
  readonly depth: number;
  readonly onRemove?: (() => void) | undefined;
  readonly removeLabel?: string | undefined;
  /** and: the cumulative count is who is left; or: who is in so far. */
  readonly parentType?: 'and' | 'or' | undefined;
}

/** The editor of one kind of condition. */
export interface EditorProps<K extends SegmentRuleType> {
  readonly rule: Extract<SegmentRule, { readonly type: K }>;
  readonly onChange: (rule: SegmentRule) => void;
  readonly issue: IssueOf;
}

/**
 * The editor of a kind that holds other rules. It is handed the node component that edits them,
 * so that the kinds' editors do not import the tree that imports them.
 */
export interface NestingEditorProps<K extends SegmentRuleType> extends EditorProps<K> {
  readonly path: string;
  readonly depth: number;
  readonly RuleNode: ComponentType<RuleNodeProps>;
}
