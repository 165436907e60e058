import { type ColumnSpec, eventAttributeColumns, importColumns, type WorkspaceSchema } from '@opencvm/core';
import type { Dialect } from '../sql/dialect.ts';
import { ident, sqlType } from '../sql/sql-types.ts';

export type StoredTable = 'customers' | 'events' | 'relations';

/** Columns the workspace schema adds to a table: one per declared attribute. */
export const attributeColumns = (schema: WorkspaceSchema, table: StoredTable): readonly ColumnSpec[] => {
  const declared = new Set(
    table === 'customers'
      ? Object.keys(schema.customer.attributes)
      : table === 'events'
        ? eventAttributeColumns(schema).keys()
        : [],
  );
  return importColumns(schema, table).filter((spec) => declared.has(spec.name));
};

export interface ExistingColumn {
  readonly name: string;
  /** Upper-cased SQL type as the engine reports it. */
  readonly type: string;
}

/**
 * The DDL that brings a table in line with the schema: new attributes get a column; an attribute
 * whose type changed is refused, since its stored values would no longer fit.
 */
export const columnChanges = (options: {
  readonly schema: WorkspaceSchema;
  readonly table: StoredTable;
  readonly existing: readonly ExistingColumn[];
  readonly dialect: Dialect;
}): { readonly ddl: readonly string[]; readonly conflicts: readonly string[] } => {
  const { schema, table, existing, dialect } = options;
  const byName = new Map(existing.map((column) => [column.name, column.type]));
  const ddl: string[] = [];
  const conflicts: string[] = [];
  for (const spec of attributeColumns(schema, table)) {
    const declared = sqlType(spec.type, dialect);
    const stored = byName.get(spec.name);
    if (stored === undefined) {
      const options = spec.type === 'enum' ? dialect.enumColumnOptions : '';
      ddl.push(`ALTER TABLE ${ident(table)} ADD COLUMN ${ident(spec.name)} ${declared}${options}`);
    } else if (!dialect.sameColumnType(declared, stored)) {
      const path =
        table === 'customers' ? `customer.attributes.${spec.name}` : `events.*.attributes.${spec.name}`;
      conflicts.push(
        `${path}: declared ${spec.type} (${declared}) but stored as ${stored}; keep the old type or declare a new attribute name`,
      );
    }
  }
  return { ddl, conflicts };
};
