export * from './campaign/index.ts';
export * from './content/index.ts';
export * from './ports.ts';
export * from './records.ts';
export * from './result.ts';
export * from './row-validation.ts';
export * from './segment/index.ts';
export * from './workspace-schema.ts';
