import { WorkspaceSchema } from '../workspace/workspace-schema.ts';
import { endpoint, named } from './endpoint.ts';

/** The schema as readers see it: delivery routes hold hosts and credentials, so they stay out. */
export const WorkspaceSchemaView = named(WorkspaceSchema.omit({ delivery: true }), 'WorkspaceSchemaView');

export const workspaceApi = {
  schema: endpoint({ method: 'get', path: '/v1/workspace-schema', response: WorkspaceSchemaView }),
};
