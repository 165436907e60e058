import { z } from 'zod';

export const FILE_DELIMITERS = [',', ';', '\t', '|'] as const;

/** Call-centre lists: one CSV file per campaign run in `directory`. */
export const FileOptions = z.strictObject({
  directory: z.string().min(1, 'must not be empty'),
  delimiter: z
    .enum(FILE_DELIMITERS, { error: 'must be one of: comma, semicolon, tab, vertical bar' })
    .default(','),
  /**
   * Flush every row to the disk before answering `sent`: survives a power cut, not only a crash
   * of the process, at the price of one disk flush per message.
   */
  fsync: z.boolean().optional(),
});
export type FileOptions = z.infer<typeof FileOptions>;
/** The options as written in the config: defaults may be left out. */
export type FileOptionsInput = z.input<typeof FileOptions>;

export type FileConfigError = { readonly type: 'invalid_config'; readonly message: string };
