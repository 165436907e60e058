import { parseMoney } from '../money/money.ts';

/** Ids, amounts and quantities as the reference evaluator compares them: money exactly, as integers of 10^-4. */

/** A rule or data the checks should have refused: the evaluator's bug, not the user's. */
export const bug = (message: string): never => {
  throw new Error(message);
};

/** Orders ids by code point, which is the order of their UTF-8 bytes (PostgreSQL's "C" collation). */
export const compareIds = (a: string, b: string): number => {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(j) ?? 0;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  if (i < a.length) return 1;
  return j < b.length ? -1 : 0;
};

export const MONEY_UNIT = 10_000n;
export const CANONICAL_MONEY = /^(-?)(\d+)(?:\.(\d{1,4}))?$/;

/** An amount in exact units of 10⁻⁴, from its stored text or a rule's number. */
export const moneyUnits = (value: string | number): bigint => {
  const parsed = parseMoney(typeof value === 'number' ? String(value) : value);
  const match = parsed.ok ? CANONICAL_MONEY.exec(parsed.value) : null;
  if (match === null) return bug(`not an amount with at most 4 decimals: ${value}`);
  const [, sign, whole = '0', fraction = ''] = match;
  const units = BigInt(whole) * MONEY_UNIT + BigInt(fraction.padEnd(4, '0'));
  return sign === '-' ? -units : units;
};

/** Units of 10⁻⁴ as canonical decimal text, as `parseMoney` writes it ("12.5", "0", "-3"). */
export const moneyText = (units: bigint): string => {
  const magnitude = units < 0n ? -units : units;
  const fraction = (magnitude % MONEY_UNIT).toString().padStart(4, '0').replace(/0+$/, '');
  const text = fraction === '' ? `${magnitude / MONEY_UNIT}` : `${magnitude / MONEY_UNIT}.${fraction}`;
  return units < 0n ? `-${text}` : text;
};

export const sign = (difference: number | bigint): number => (difference > 0 ? 1 : difference < 0 ? -1 : 0);

/**
 * A measured number. Amounts are exact fractions of units (an average is sum / (10⁴ × count));
 * the rest are JavaScript numbers kept as total / count, so an average compares as
 * `total op value × count` and never through a rounded quotient.
 */
export type Quantity =
  | { readonly kind: 'exact'; readonly units: bigint; readonly divisor: bigint }
  | { readonly kind: 'number'; readonly total: number; readonly count: number };

export const exact = (units: bigint, count = 1n): Quantity => ({
  kind: 'exact',
  units,
  divisor: MONEY_UNIT * count,
});
export const plain = (total: number, count = 1): Quantity => ({ kind: 'number', total, count });

/** Sign of quantity − constant. */
export const compareWithConstant = (quantity: Quantity, constant: number): number =>
  quantity.kind === 'exact'
    ? sign(quantity.units * MONEY_UNIT - moneyUnits(constant) * quantity.divisor)
    : sign(quantity.total - constant * quantity.count);

/** Sign of a − b, for ranking. Plain averages rank by their quotient, as SQL's AVG does. */
export const compareQuantities = (a: Quantity, b: Quantity): number => {
  if (a.kind === 'exact' && b.kind === 'exact') return sign(a.units * b.divisor - b.units * a.divisor);
  if (a.kind === 'number' && b.kind === 'number') return sign(a.total / a.count - b.total / b.count);
  return bug('quantities of different kinds compared');
};

export interface MeasureComparison {
  readonly op: string;
  readonly value?: number | undefined;
  readonly values?: readonly number[] | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

export const required = <T>(value: T | undefined, what: string): T =>
  value === undefined ? bug(`${what} is missing`) : value;

/** A measure compared with the rule's constants; a missing measure satisfies nothing but `is null`. */
export const measureHolds = (quantity: Quantity | null, comparison: MeasureComparison): boolean => {
  if (comparison.op === 'is null') return quantity === null;
  if (comparison.op === 'is not null') return quantity !== null;
  if (quantity === null) return false;
  const against = (constant: number | undefined): number =>
    compareWithConstant(quantity, required(constant, `value of ${comparison.op}`));
  switch (comparison.op) {
    case '=':
      return against(comparison.value) === 0;
    case '!=':
      return against(comparison.value) !== 0;
    case '<':
      return against(comparison.value) < 0;
    case '<=':
      return against(comparison.value) <= 0;
    case '>':
      return against(comparison.value) > 0;
    case '>=':
      return against(comparison.value) >= 0;
    case 'between':
      return against(comparison.from) >= 0 && against(comparison.to) <= 0;
    case 'in':
      return required(comparison.values, 'values').some(
        (value) => compareWithConstant(quantity, value) === 0,
      );
    case 'not in':
      return required(comparison.values, 'values').every(
        (value) => compareWithConstant(quantity, value) !== 0,
      );
    default:
      return bug(`unknown operator ${comparison.op}`);
  }
};
