export { createSmtpAdapter, messageIdOf } from './smtp-adapter.ts';
export {
  parseSmtpOptions,
  type SmtpConfigError,
  SmtpOptions,
  type SmtpOptionsInput,
} from './smtp-options.ts';
