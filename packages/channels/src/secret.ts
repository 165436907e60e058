import { err, ok, type Result } from '@opencvm/core';
import { z } from 'zod';

/**
 * A credential in the delivery config: written inline (`password: s3cret`) or, better, named by
 * an environment variable (`password: { env: SMPP_PASSWORD }`) so the config file holds no secret.
 * Secrets are resolved once at start and never logged or returned by the API.
 */
export const Secret = z.union([
  z.string().min(1, 'must not be empty'),
  z.strictObject({
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
  }),
]);
export type Secret = z.infer<typeof Secret>;

export type SecretError = { readonly type: 'missing_secret'; readonly message: string };

/** The secret's value; an error naming the variable when it is unset or empty. */
export const resolveSecret = (
  secret: Secret,
  env: Readonly<Record<string, string | undefined>>,
): Result<string, SecretError> => {
  if (typeof secret === 'string') return ok(secret);
  const value = env[secret.env];
  if (value === undefined || value === '') {
    return err({ type: 'missing_secret', message: `environment variable ${secret.env} is not set` });
  }
  return ok(value);
};

/** What a config names, with every secret replaced, for logs and API answers. */
export const REDACTED = '[redacted]';
