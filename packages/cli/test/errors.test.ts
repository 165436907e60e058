import type { AppError, AppErrorType } from '@opencvm/app';
import { type ImportRun, StoreError } from '@opencvm/core';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { EXIT, EXIT_CODES, errorMessage, exitCodeOf, refuse, UserError } from '../src/errors.ts';

/** The CLI's one error table: what each use-case refusal prints and the code the process exits with. */

const RUN: ImportRun = {
  id: 'run-1',
  kind: 'customers',
  source: 'customers.csv',
  format: 'csv',
  status: 'failed',
  startedAt: '2026-01-15T10:00:00.000Z',
  finishedAt: '2026-01-15T10:00:01.000Z',
  seconds: 1,
  read: 2,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  duplicates: 0,
  rejected: 1,
  error: '1 row rejected',
};

/** One refusal of every type: the compiler asks for a new one when a type is added. */
const SAMPLES: { readonly [Type in AppErrorType]: Extract<AppError, { readonly type: Type }> } = {
  invalid_input: { type: 'invalid_input', issues: [{ path: 'name', message: 'is required' }] },
  invalid_body: { type: 'invalid_body', path: '(body)', message: 'expected a JSON array of rows' },
  invalid_config: {
    type: 'invalid_config',
    issues: [{ path: 'delivery.channels.sms.options.host', message: 'is required' }],
  },
  invalid_link: { type: 'invalid_link', message: 'the link is not valid' },
  not_found: { type: 'not_found', message: 'no campaign "spring"' },
  conflict: { type: 'conflict', reason: 'stale_version', message: 'campaign "spring" changed meanwhile' },
  forbidden: { type: 'forbidden', reason: 'self_approval', message: 'the author may not approve' },
  unauthenticated: { type: 'unauthenticated', reason: 'wrong_password', message: 'wrong name or password' },
  invalid_file: { type: 'invalid_file', message: 'ids.csv: no id column' },
  unreadable_file: { type: 'unreadable_file', message: 'the file is empty', run: RUN },
  unknown_format: {
    type: 'unknown_format',
    message: 'cannot tell the format of data.bin from its extension',
  },
  invalid_rows: {
    type: 'invalid_rows',
    message: '1 row rejected; nothing was imported',
    rejected: 1,
    sample: [{ line: 3, issues: [{ column: 'age', value: 'old', reason: 'expected an integer' }] }],
    rejectsPath: '/data/customers.csv.rejects.csv',
    run: RUN,
  },
  repeated_metric: { type: 'repeated_metric', message: 'repeated', column: 'revenue' },
  unknown_columns: {
    type: 'unknown_columns',
    message: 'unknown column "arm"; the header has group, revenue',
    columns: ['arm'],
    header: ['group', 'revenue'],
  },
  empty_file: { type: 'empty_file', message: 'the file has no header line' },
  invalid_values: {
    type: 'invalid_values',
    message: '1 invalid value',
    issues: [{ line: 4, column: 'revenue', value: 'ten', reason: 'expected a decimal number' }],
    truncated: false,
  },
  unreadable: { type: 'unreadable', message: 'ENOENT: no such file or directory' },
  control_not_found: {
    type: 'control_not_found',
    message: 'no customer is in the control group "control"; groups: a, b',
    control: 'control',
    groups: ['a', 'b'],
  },
};

const refusal = (error: AppError, file?: string): UserError => {
  try {
    refuse(error, file === undefined ? {} : { file });
  } catch (thrown) {
    if (thrown instanceof UserError) return thrown;
    throw thrown;
  }
  throw new Error('refuse returned');
};

const buffer = () => {
  let text = '';
  return {
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    get text() {
      return text;
    },
  };
};

describe('the CLI error table', () => {
  it('gives every use-case refusal a message and the exit code 1 or 2', () => {
    for (const [type, error] of Object.entries(SAMPLES)) {
      const stopped = refusal(error);
      expect([EXIT.refused, EXIT.usage], type).toContain(stopped.exitCode);
      expect(stopped.exitCode, type).toBe(EXIT_CODES[error.type]);
      expect(stopped.message, type).not.toBe('');
    }
    expect(Object.keys(EXIT_CODES).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  it('keeps the codes scripts rely on: 2 for input to fix, 1 for what the state refuses', () => {
    expect(EXIT).toEqual({ refused: 1, usage: 2 });
    const codes = Object.fromEntries(
      Object.entries(SAMPLES).map(([type, error]) => [type, refusal(error).exitCode]),
    );
    expect(codes).toEqual({
      invalid_input: 2,
      invalid_body: 2,
      invalid_config: 2,
      invalid_link: 2,
      not_found: 1,
      conflict: 1,
      forbidden: 1,
      unauthenticated: 1,
      invalid_file: 1,
      unreadable_file: 1,
      unknown_format: 1,
      invalid_rows: 1,
      repeated_metric: 2,
      unknown_columns: 2,
      empty_file: 2,
      invalid_values: 2,
      unreadable: 2,
      control_not_found: 2,
    });
  });

  it('prints each refused input on an error line of its own', () => {
    expect(
      errorMessage({
        type: 'invalid_input',
        issues: [
          { path: 'name', message: 'is required' },
          { path: 'rule.op', message: 'is not an operator' },
        ],
      }),
    ).toBe('name: is required\nerror: rule.op: is not an operator');
    expect(errorMessage({ type: 'invalid_input', path: 'baseRate', message: 'must be a rate' })).toBe(
      'baseRate: must be a rate',
    );
    expect(
      errorMessage({
        type: 'conflict',
        reason: 'invalid_transition',
        message: 'campaign "spring" cannot start',
        issues: [{ path: 'offers[0]', message: 'has ended' }],
      }),
    ).toBe('campaign "spring" cannot start\nerror: offers[0]: has ended');
    expect(
      errorMessage({
        type: 'invalid_config',
        issues: [
          { path: 'delivery.channels.sms.options.host', message: 'is required' },
          { path: 'delivery.channels.email.options.port', message: 'must be a port' },
        ],
      }),
    ).toBe(
      'delivery.channels.sms.options.host: is required\ndelivery.channels.email.options.port: must be a port',
    );
  });

  it('names the file a refused import or measurement read, with the rows it refused', () => {
    expect(errorMessage(SAMPLES.invalid_rows, 'customers.csv')).toBe(
      [
        'customers.csv: 1 row rejected; nothing was imported',
        '  line 3, age = "old": expected an integer',
        'all rejects: /data/customers.csv.rejects.csv',
      ].join('\n'),
    );
    expect(errorMessage(SAMPLES.unreadable_file, 'customers.csv')).toBe('customers.csv: the file is empty');
    expect(errorMessage(SAMPLES.unreadable, 'ab.csv')).toBe(
      'cannot read ab.csv: ENOENT: no such file or directory',
    );
    expect(errorMessage(SAMPLES.invalid_values, 'ab.csv')).toBe(
      'ab.csv: invalid values\n  line 4, revenue = "ten": expected a decimal number',
    );
    expect(errorMessage(SAMPLES.repeated_metric, 'ab.csv')).toBe('--metric revenue is given more than once');
    expect(errorMessage(SAMPLES.not_found, 'ab.csv')).toBe('no campaign "spring"');
  });

  it('turns what a command threw into its exit code, printing what the user can act on', () => {
    const stderr = buffer();
    expect(exitCodeOf(new UserError('no segment "vip"', EXIT.refused), stderr)).toBe(1);
    expect(exitCodeOf(new StoreError('locked', 'the store is in use by another process'), stderr)).toBe(1);
    expect(stderr.text).toBe('error: no segment "vip"\nerror: the store is in use by another process\n');
    expect(exitCodeOf(new CommanderError(1, 'commander.unknownOption', 'unknown option'), stderr)).toBe(2);
    expect(exitCodeOf(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), stderr)).toBe(0);
    expect(() => exitCodeOf(new TypeError('a bug'), stderr)).toThrow('a bug');
  });
});
