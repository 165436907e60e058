import type { Dialect } from '../sql/dialect.ts';

/**
 * core's `hashOf(salt, id)` in SQL: the first 8 hex digits of md5(`salt:id`) as a number, so
 * samples and control groups computed by a store agree with the core's.
 */
export const hashSql = (dialect: Dialect, saltExpression: string, idExpression: string): string => {
  const text = `${saltExpression} || ':' || ${idExpression}`;
  return dialect.md5Bucket(text);
};
