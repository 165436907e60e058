import type { CliActors } from '../audited.ts';
import type { WithApp, WithWorkspace } from '../compose/open-app.ts';
import type { CliContext } from '../context.ts';

/** What every command module gets from the program that registers it. */
export interface CommandDeps {
  /** Runs the command on the workspace's use cases, the store closed afterwards. */
  readonly withApp: WithApp;
  /** The same, with the store and config too: for the processes that drive delivery. */
  readonly withWorkspace: WithWorkspace;
  /** Writes one line to standard output. */
  readonly out: (text: string) => void;
  readonly context: CliContext;
  /** The OS login of whoever runs `cvm`. */
  readonly login: string;
  readonly actors: CliActors;
  /** This package's version, as `cvm --version` and the API's health check report it. */
  readonly version: string;
}
