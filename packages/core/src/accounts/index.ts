export * from './access.ts';
export * from './port.ts';
