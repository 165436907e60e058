export * from './workspace-schema.ts';
