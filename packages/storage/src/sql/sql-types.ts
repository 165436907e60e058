import type { ColumnSpec } from '@opencvm/core';

export type Dialect = 'duckdb' | 'postgres';

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
      return dialect === 'duckdb' ? 'DOUBLE' : 'DOUBLE PRECISION';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return dialect === 'duckdb' ? 'TIMESTAMPTZ' : 'timestamptz';
    case 'money':
      return dialect === 'duckdb' ? 'DECIMAL(18,4)' : 'numeric(18,4)';
    case 'string':
    case 'enum':
    case 'currency':
    case 'timezone':
    case 'locale':
    case 'msisdn':
    case 'email':
      return dialect === 'duckdb' ? 'VARCHAR' : 'text';
  }
};
