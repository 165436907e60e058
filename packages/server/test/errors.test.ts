import type { AppError, AppErrorType } from '@opencvm/app';
import type { ImportRun } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { type ApiError, apiErrorOf, ERROR_CODES, HTTP_STATUS } from '../src/errors.ts';

const run: ImportRun = {
  id: 'run-1',
  kind: 'customers',
  source: 'customers.csv',
  format: 'csv',
  status: 'failed',
  startedAt: '2026-03-01T00:00:00.000Z',
  finishedAt: '2026-03-01T00:00:01.000Z',
  seconds: 1,
  read: 2,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  duplicates: 0,
  rejected: 1,
  error: 'refused rows',
};

const issue = { path: 'rule.attribute', message: 'unknown attribute', kind: 'unknown_name' } as const;

/** One failure of each type with the refusal it must give: the compiler insists on every type. */
const EXAMPLES: {
  readonly [K in AppErrorType]: readonly (readonly [Extract<AppError, { type: K }>, ApiError])[];
} = {
  invalid_input: [
    [
      { type: 'invalid_input', issues: [issue] },
      {
        code: 'invalid_body',
        path: 'rule.attribute',
        message: 'rule.attribute: unknown attribute',
        details: { issues: [issue] },
      },
    ],
    [
      { type: 'invalid_input', path: 'run', message: 'no run "r9"' },
      { code: 'invalid_body', path: 'run', message: 'no run "r9"' },
    ],
  ],
  not_found: [
    [
      { type: 'not_found', message: 'no segment "vip"' },
      { code: 'not_found', message: 'no segment "vip"' },
    ],
  ],
  conflict: [
    [
      { type: 'conflict', reason: 'stale_version', message: 'version 3 is stored' },
      { code: 'conflict', reason: 'stale_version', message: 'version 3 is stored' },
    ],
    [
      { type: 'conflict', reason: 'template_unavailable', message: 'missing names', issues: [issue] },
      {
        code: 'conflict',
        reason: 'template_unavailable',
        message: 'missing names',
        details: { issues: [issue] },
      },
    ],
    [
      { type: 'conflict', message: 'the campaign is not running' },
      { code: 'conflict', message: 'the campaign is not running' },
    ],
  ],
  unauthenticated: [
    [
      { type: 'unauthenticated', reason: 'wrong_password', message: 'wrong name or password' },
      { code: 'unauthenticated', reason: 'wrong_password', message: 'wrong name or password' },
    ],
  ],
  forbidden: [
    [
      { type: 'forbidden', reason: 'self_approval', message: 'someone else must approve' },
      { code: 'forbidden', reason: 'self_approval', message: 'someone else must approve' },
    ],
  ],
  invalid_file: [
    [
      { type: 'invalid_file', message: 'no id column' },
      { code: 'invalid_body', reason: 'invalid_file', message: 'no id column' },
    ],
  ],
  invalid_body: [
    [
      { type: 'invalid_body', path: '(body)', message: 'expected an array' },
      { code: 'invalid_body', path: '(body)', message: 'expected an array' },
    ],
  ],
  invalid_rows: [
    [
      { type: 'invalid_rows', message: '1 row refused', errors: [{ index: 0, issues: [] }] },
      { code: 'invalid_rows', message: '1 row refused', details: { errors: [{ index: 0, issues: [] }] } },
    ],
    [
      { type: 'invalid_rows', message: '1 row refused', rejected: 1, sample: [], rejectsPath: null, run },
      { code: 'invalid_rows', message: '1 row refused', details: { rejected: 1, sample: [] } },
    ],
  ],
  unreadable_file: [
    [
      { type: 'unreadable_file', message: 'not a CSV file', run },
      { code: 'invalid_body', path: '(body)', message: 'not a CSV file' },
    ],
  ],
  unknown_format: [
    [
      { type: 'unknown_format', message: 'unknown format' },
      { code: 'invalid_body', path: '(body)', message: 'unknown format' },
    ],
  ],
  invalid_link: [
    [
      { type: 'invalid_link', message: 'bad signature' },
      { code: 'invalid_body', path: 'token', message: 'bad signature' },
    ],
  ],
  invalid_config: [
    [
      {
        type: 'invalid_config',
        issues: [{ path: 'delivery.sms.password', message: 'SMPP_PASSWORD is not set' }],
      },
      { code: 'internal', message: 'internal error' },
    ],
  ],
  repeated_metric: [
    [
      { type: 'repeated_metric', message: 'converted is named twice', column: 'converted' },
      { code: 'invalid_body', path: 'metric', message: 'converted is named twice' },
    ],
  ],
  unknown_columns: [
    [
      { type: 'unknown_columns', message: 'no column arm', columns: ['arm'], header: ['id'] },
      {
        code: 'invalid_body',
        path: 'metric',
        message: 'no column arm',
        details: { columns: ['arm'], header: ['id'] },
      },
    ],
  ],
  control_not_found: [
    [
      { type: 'control_not_found', message: 'no group B', control: 'B', groups: ['A'] },
      { code: 'invalid_body', path: 'control', message: 'no group B', details: { groups: ['A'] } },
    ],
  ],
  invalid_values: [
    [
      {
        type: 'invalid_values',
        message: 'line 2: not a number',
        issues: [{ line: 2, column: 'spent', value: 'x', reason: 'not a number' }],
        truncated: false,
      },
      {
        code: 'invalid_body',
        path: '(body)',
        message: 'line 2: not a number',
        details: {
          issues: [{ line: 2, column: 'spent', value: 'x', reason: 'not a number' }],
          truncated: false,
        },
      },
    ],
  ],
  empty_file: [
    [
      { type: 'empty_file', message: 'no rows' },
      { code: 'invalid_body', path: '(body)', message: 'no rows' },
    ],
  ],
  unreadable: [
    [
      { type: 'unreadable', message: 'bad quote' },
      { code: 'invalid_body', path: '(body)', message: 'bad quote' },
    ],
  ],
};

describe('error table', () => {
  it('gives every error code a 4xx or 5xx status', () => {
    for (const code of ERROR_CODES) expect(HTTP_STATUS[code]).toBeGreaterThanOrEqual(400);
  });

  it('turns every use-case error type into its refusal and status', () => {
    const examples = Object.values(EXAMPLES).flat();
    expect(new Set(examples.map(([error]) => error.type)).size).toBe(Object.keys(EXAMPLES).length);
    for (const [error, refusal] of examples) {
      expect(apiErrorOf(error)).toEqual(refusal);
      expect(HTTP_STATUS[apiErrorOf(error).code]).toBeGreaterThanOrEqual(400);
    }
  });

  it('names the query parameter behind a column a measured file lacks', () => {
    const error: AppError = {
      type: 'unknown_columns',
      message: 'no column arm',
      columns: ['arm'],
      header: ['id'],
    };
    expect(
      apiErrorOf(error, { parameterOfColumn: (column) => (column === 'arm' ? 'group' : 'metric') }).path,
    ).toBe('group');
  });
});
