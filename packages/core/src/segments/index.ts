export * from './bucket.ts';
export * from './check-segment-rule.ts';
export * from './evaluate-segment.ts';
export * from './features.ts';
export * from './port.ts';
export * from './rule-time.ts';
export * from './segment-rule.ts';
