export * from './event-columns.ts';
export * from './event-stream.ts';
export * from './port.ts';
export * from './records.ts';
export * from './row-validation.ts';
