/** The one list of storage failures the application reacts to, whatever the engine said. */
export const STORE_ERROR_REASONS = [
  'unique_violation',
  'conflict',
  'retryable',
  'locked',
  'unavailable',
  'invalid_data',
  'schema_mismatch',
  'unknown',
] as const;
export type StoreErrorReason = (typeof STORE_ERROR_REASONS)[number];

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly reason: StoreErrorReason;

  constructor(reason: StoreErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
