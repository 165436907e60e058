export * from './held-answer.ts';
export * from './nats-server.ts';
export * from './smpp-peer.ts';
export * from './smtp-peer.ts';
export * from './webhook-peer.ts';
