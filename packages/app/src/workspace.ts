import { readFile } from 'node:fs/promises';
import {
  err,
  parseWorkspaceSchema,
  type Result,
  type SchemaIssue,
  type WorkspaceSchema,
} from '@opencvm/core';
import { parse } from 'yaml';

export interface WorkspaceFileError {
  readonly type: 'invalid_schema';
  readonly file: string;
  readonly issues: readonly SchemaIssue[];
}

/** Loads and checks the workspace schema file; every problem names its key. */
export const loadWorkspaceSchema = async (
  file: string,
): Promise<Result<WorkspaceSchema, WorkspaceFileError>> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason =
      error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'file not found' : String(error);
    return err({ type: 'invalid_schema', file, issues: [{ path: '(file)', message: reason }] });
  }
  let decoded: unknown;
  try {
    decoded = file.endsWith('.json') ? JSON.parse(text) : parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return err({ type: 'invalid_schema', file, issues: [{ path: '(file)', message }] });
  }
  const parsed = parseWorkspaceSchema(decoded);
  return parsed.ok ? parsed : err({ type: 'invalid_schema', file, issues: parsed.error.issues });
};

export const formatSchemaIssues = (error: WorkspaceFileError): string =>
  [
    `${error.file}: the workspace schema is invalid`,
    ...error.issues.map((issue) => `  ${issue.path}: ${issue.message}`),
  ].join('\n');
