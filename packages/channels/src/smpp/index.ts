export { createSmppAdapter, type SmppRuntime } from './smpp-adapter.ts';
export { isOptOutText } from './smpp-inbound.ts';
export {
  parseSmppOptions,
  type SmppConfigError,
  SmppOptions,
  type SmppOptionsInput,
} from './smpp-options.ts';
