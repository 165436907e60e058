export * from './file-adapter.ts';
export * from './file-csv.ts';
export * from './file-options.ts';
