import {
  type ColumnSpec,
  type CustomerEvent,
  type CustomerRelation,
  type FieldValue,
  importColumns,
  type NormalizedRow,
  type WorkspaceSchema,
} from '@opencvm/core';
import type { Dialect } from '../sql/dialect.ts';
import { fieldValue, readExpression } from '../sql/read-sql.ts';
import { attributeColumns } from '../store/schema-columns.ts';

interface Query<T> {
  readonly sql: string;
  readonly map: (row: Record<string, unknown>) => T;
}

const STAMPS: readonly ColumnSpec[] = [
  { name: 'created_at', type: 'timestamp', required: false },
  { name: 'updated_at', type: 'timestamp', required: false },
];

/** The queries of a customer's page: the row, the latest events and the strongest relations. */
export const customerDetailsQueries = (
  schema: WorkspaceSchema,
  dialect: Dialect,
  eventLimit: number,
): { customer: Query<NormalizedRow>; events: Query<CustomerEvent>; relations: Query<CustomerRelation> } => {
  const customerColumns = [...importColumns(schema, 'customers'), ...STAMPS];
  const eventColumns = importColumns(schema, 'events');
  const eventAttributes = attributeColumns(schema, 'events');
  return {
    customer: {
      sql: `SELECT ${customerColumns.map((spec) => readExpression(spec.name, spec.type, dialect)).join(', ')} FROM customers WHERE id = $1`,
      map: (row) =>
        Object.fromEntries(customerColumns.map((spec) => [spec.name, fieldValue(row[spec.name], spec.type)])),
    },
    events: {
      sql: `SELECT ${eventColumns
        .filter((spec) => spec.name !== 'customer_id')
        .map((spec) => readExpression(spec.name, spec.type, dialect))
        .join(
          ', ',
        )} FROM events WHERE customer_id = $1 ORDER BY ts DESC, id DESC LIMIT ${Math.max(0, Math.floor(eventLimit))}`,
      map: (row) => {
        const attributes: Record<string, FieldValue> = {};
        for (const spec of eventAttributes) {
          const value = fieldValue(row[spec.name], spec.type);
          if (value !== null) attributes[spec.name] = value;
        }
        const amount = fieldValue(row.amount, 'money');
        return {
          id: String(row.id),
          type: String(row.type),
          ts: String(row.ts),
          amount: amount === null ? null : String(amount),
          currency: row.currency == null ? null : String(row.currency),
          attributes,
        };
      },
    },
    relations: {
      sql: `SELECT * FROM (SELECT 'out' AS direction, dst AS customer_id, kind, weight FROM relations WHERE src = $1 UNION ALL SELECT 'in' AS direction, src AS customer_id, kind, weight FROM relations WHERE dst = $1) r ORDER BY weight DESC, customer_id, direction LIMIT 200`,
      map: (row) => ({
        direction: row.direction === 'in' ? 'in' : 'out',
        customerId: String(row.customer_id),
        kind: String(row.kind),
        weight: Number(row.weight),
      }),
    },
  };
};
