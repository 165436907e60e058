/** Where the CLI writes: the process's streams, or a buffer in tests. */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** What one `cvm` invocation runs in: the process's clock, streams, environment and directory. */
export interface CliContext {
  readonly clock: () => Date;
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export const realClock = (): Date => new Date();
