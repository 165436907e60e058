import { MONEY_SCALE } from '../import/records.ts';
import { err, ok, type Result } from '../result.ts';

const MONEY = /^([+-]?)(\d*)(?:\.(\d*))?$/;
const MONEY_INTEGER_DIGITS = 14;

/**
 * The canonical decimal text of an amount ("12.50" → "12.5", "-0.0" → "0"), or why it is
 * refused. Works on the digits alone: money never passes through a float.
 */
export const parseMoney = (text: string): Result<string, string> => {
  const match = MONEY.exec(text);
  if (!match) return err('expected a decimal amount such as 12.50');
  const [, sign, whole = '', fraction = ''] = match;
  if (whole === '' && fraction === '') return err('expected a decimal amount such as 12.50');
  if (fraction.length > MONEY_SCALE) return err(`at most ${MONEY_SCALE} decimal places`);
  const integer = whole.replace(/^0+/, '') || '0';
  if (integer.length > MONEY_INTEGER_DIGITS) {
    return err(`at most ${MONEY_INTEGER_DIGITS} digits before the decimal point`);
  }
  const decimals = fraction.replace(/0+$/, '');
  const magnitude = decimals === '' ? integer : `${integer}.${decimals}`;
  return ok(sign === '-' && magnitude !== '0' ? `-${magnitude}` : magnitude);
};
