export * from './advance.ts';
export * from './check-journey.ts';
export * from './journey.ts';
export * from './journey-templates.ts';
export * from './port.ts';
