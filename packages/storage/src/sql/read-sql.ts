import type { ColumnSpec, FieldValue } from '@opencvm/core';
import type { Dialect } from './dialect.ts';
import { ident } from './sql-types.ts';

/** Select expression that returns a stored column in its API form (ISO timestamps in UTC, dates, decimals as text). */
export const readExpression = (
  column: string,
  type: ColumnSpec['type'],
  dialect: Dialect,
  alias = column,
): string => {
  const name = ident(column);
  switch (type) {
    case 'timestamp':
      return `${dialect.isoText(name)} AS ${ident(alias)}`;
    case 'date':
      return `${dialect.dateText(name)} AS ${ident(alias)}`;
    case 'money':
      return `CAST(${name} AS VARCHAR) AS ${ident(alias)}`;
    default:
      return `${name} AS ${ident(alias)}`;
  }
};

/** `12.5000` → `12.5`; `100.0000` → `100`: the canonical decimal form the validator produces. */
export const canonicalDecimal = (text: string): string => {
  if (!text.includes('.')) return text;
  const trimmed = text.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
};

/** Converts a value read through `readExpression` to the API form. */
export const fieldValue = (value: unknown, type: ColumnSpec['type']): FieldValue => {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
    case 'number':
      return Number(value);
    case 'boolean':
      return value === true || value === 'true' || value === 't';
    case 'money':
      return canonicalDecimal(String(value));
    default:
      return String(value);
  }
};
