import { err, formatPath, ok, type Result } from '@opencvm/core';
import { z } from 'zod';
import { Secret } from '../secret.ts';

const EMAIL_ERROR = 'must be an e-mail address';

/** A display name goes into the From header: a line break would start a new header. */
const DisplayName = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .refine((name) => !/[\r\n]/.test(name), 'must be one line');

/**
 * An SMTP relay (the bank's MTA, a mail provider's submission port). Sends go over a pool of
 * connections; the password is best named by an environment variable (`{ env: SMTP_PASSWORD }`).
 */
export const SmtpOptions = z
  .strictObject({
    host: z.string().min(1, 'must not be empty'),
    port: z.number().int().min(1).max(65_535),
    /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
    secure: z.boolean().default(false),
    /** Refuse to send when the server does not offer STARTTLS. */
    requireTls: z.boolean().default(false),
    /** Never upgrade with STARTTLS, even when the server offers it. */
    ignoreTls: z.boolean().default(false),
    auth: z.strictObject({ user: z.string().min(1, 'must not be empty'), password: Secret }).optional(),
    from: z.strictObject({
      address: z.email({ error: EMAIL_ERROR }),
      name: DisplayName.optional(),
    }),
    replyTo: z.email({ error: EMAIL_ERROR }).optional(),
    /** The right-hand side of every Message-ID; the from address's domain when not set. */
    messageIdDomain: z.hostname({ error: 'must be a domain name' }).optional(),
    /** How long to wait for a connection and the server's greeting. */
    connectionTimeoutMs: z.number().int().min(1).max(300_000).default(10_000),
    /** The most connections open to the server at once. */
    poolSize: z.number().int().min(1).max(100).default(4),
    /**
     * A connection is closed and opened again after this many messages: some servers refuse more
     * per session, and a new session costs the server's greeting delay.
     */
    messagesPerConnection: z.number().int().min(1).max(100_000).default(100),
  })
  .refine((options) => !(options.requireTls && options.ignoreTls), {
    path: ['ignoreTls'],
    message: 'cannot be set together with requireTls',
  });
export type SmtpOptions = z.infer<typeof SmtpOptions>;
/** The options as written in the config: defaults may be left out. */
export type SmtpOptionsInput = z.input<typeof SmtpOptions>;

export type SmtpConfigError = { readonly type: 'invalid_config'; readonly message: string };

/** Parses the options from decoded config; the error names every wrong key and why. */
export const parseSmtpOptions = (input: unknown): Result<SmtpOptions, SmtpConfigError> => {
  const parsed = SmtpOptions.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  const problems = parsed.error.issues.map((issue) => {
    const unknownKeys =
      issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [];
    if (unknownKeys.length > 0) return unknownKeys.map((path) => `${formatPath(path)}: is not an option`);
    return [`${formatPath(issue.path) || '(root)'}: ${issue.message}`];
  });
  return err({ type: 'invalid_config', message: `invalid SMTP options: ${problems.flat().join('; ')}` });
};
