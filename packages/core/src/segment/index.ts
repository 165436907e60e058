export * from './bucket.ts';
export * from './features.ts';
export * from './rule-time.ts';
export * from './segment-rule.ts';
