export * from './delivery.ts';
export * from './port.ts';
