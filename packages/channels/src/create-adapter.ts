import {
  type AdapterKind,
  type ChannelAdapter,
  err,
  formatPath,
  ok,
  type Result,
  type SchemaIssue,
} from '@opencvm/core';
import { z } from 'zod';
import { createFileAdapter, FileOptions } from './file/index.ts';
import { createSmppAdapter, SmppOptions } from './smpp/index.ts';
import { createSmtpAdapter, SmtpOptions } from './smtp/index.ts';
import { createWebhookAdapter, WebhookOptions } from './webhook/index.ts';

export type AdapterConfigError = { readonly type: 'invalid_config'; readonly issues: readonly SchemaIssue[] };

const issuesOf = (error: z.ZodError): SchemaIssue[] =>
  error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'is not an option' }))
      : [{ path: formatPath(issue.path), message: issue.message }],
  );

const build = (
  kind: AdapterKind,
  options: unknown,
  env: Readonly<Record<string, string | undefined>>,
): Result<ChannelAdapter, { readonly message: string }> | z.ZodError => {
  switch (kind) {
    case 'smtp': {
      const parsed = SmtpOptions.safeParse(options);
      return parsed.success ? createSmtpAdapter(parsed.data, env) : parsed.error;
    }
    case 'smpp': {
      const parsed = SmppOptions.safeParse(options);
      return parsed.success ? createSmppAdapter(parsed.data, env) : parsed.error;
    }
    case 'webhook': {
      const parsed = WebhookOptions.safeParse(options);
      return parsed.success ? createWebhookAdapter(parsed.data, env) : parsed.error;
    }
    case 'file': {
      const parsed = FileOptions.safeParse(options);
      return parsed.success ? createFileAdapter(parsed.data) : parsed.error;
    }
  }
};

/** The adapter a route names, built from options read from config: every wrong key reported. */
export const createAdapter = (
  kind: AdapterKind,
  options: unknown,
  env: Readonly<Record<string, string | undefined>>,
): Result<ChannelAdapter, AdapterConfigError> => {
  const built = build(kind, options, env);
  if (built instanceof z.ZodError) return err({ type: 'invalid_config', issues: issuesOf(built) });
  // Options that parse but cannot be used (a secret's variable unset) come back as one message.
  return built.ok
    ? ok(built.value)
    : err({ type: 'invalid_config', issues: [{ path: '', message: built.error.message }] });
};
