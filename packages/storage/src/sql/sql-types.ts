import type { ColumnSpec } from '@opencvm/core';
import type { Dialect } from './dialect.ts';

/** Quotes an identifier; names come from the validated schema, quoting guards keywords. */
export const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Single-quoted SQL literal, for the few constants inlined into DDL and staging SQL. */
export const literal = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** The stored SQL type of a column of the given spec type. */
export const sqlType = (type: ColumnSpec['type'], dialect: Dialect): string => {
  switch (type) {
    case 'integer':
      return 'BIGINT';
    case 'number':
      return dialect.types.number;
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return dialect.types.timestamp;
    case 'money':
      return dialect.types.money;
    case 'string':
    case 'enum':
    case 'currency':
    case 'timezone':
    case 'locale':
    case 'msisdn':
    case 'email':
      return dialect.types.text;
  }
};
