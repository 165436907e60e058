export * from './stats-reference.ts';
