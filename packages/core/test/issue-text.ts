import type { SchemaIssue } from '../src/workspace/workspace-schema.ts';

/**
 * Issues as path and message: what most tests read. Kinds (what clients translate) are checked
 * on their own in api-errors.test.ts.
 */
export const pathsAndMessages = (issues: readonly SchemaIssue[]): { path: string; message: string }[] =>
  issues.map(({ path, message }) => ({ path, message }));
