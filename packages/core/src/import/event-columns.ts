import type { AttributeDefinition, WorkspaceSchema } from '../workspace/workspace-schema.ts';

/**
 * The attribute columns of the events table: the union over event types. Two event types may
 * share an attribute name only with the same definition, since they share one column.
 */
export const eventAttributeColumns = (schema: WorkspaceSchema): Map<string, AttributeDefinition> => {
  const columns = new Map<string, AttributeDefinition>();
  for (const definition of Object.values(schema.events)) {
    for (const [name, attribute] of Object.entries(definition.attributes)) {
      if (!columns.has(name)) columns.set(name, attribute);
    }
  }
  return columns;
};
