export * from './webhook-adapter.ts';
export * from './webhook-options.ts';
export * from './webhook-signature.ts';
