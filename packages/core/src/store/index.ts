export * from './port.ts';
export * from './store-error.ts';
