export * from './nats-event-source.ts';
export * from './nats-options.ts';
