export * from './create-adapter.ts';
export * from './file/index.ts';
export * from './nats/index.ts';
export * from './secret.ts';
export * from './smpp/index.ts';
export * from './smtp/index.ts';
export * from './webhook/index.ts';
