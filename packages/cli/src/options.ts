import { InvalidArgumentError } from 'commander';
import { EXIT, fail } from './errors.ts';

/** Option parsers shared by the commands: each refuses a value with what it expected. */

export const positiveInteger = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return Number(value);
};

export const nonNegativeInteger = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return Number(value);
};

export const integer = (value: string): number => {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return Number(value);
};

/** JSON given on the command line or in a file; `source` names where, for the refusal (a usage error). */
export const parseJson = (text: string, source: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    return fail(
      `${source}: not valid JSON (${error instanceof Error ? error.message : String(error)})`,
      EXIT.usage,
    );
  }
};
