import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { Command } from 'commander';
import { cliActors } from './audited.ts';
import { registerAccountCommands } from './commands/accounts.ts';
import { registerAuditCommands } from './commands/audit.ts';
import { registerCampaignCommands } from './commands/campaigns.ts';
import type { CommandDeps } from './commands/command-deps.ts';
import { registerCustomerCommands } from './commands/customers.ts';
import { registerDeliveryCommands } from './commands/delivery.ts';
import { registerDemoCommands } from './commands/demo.ts';
import { registerImportCommands } from './commands/import.ts';
import { registerJourneyCommands } from './commands/journeys.ts';
import { registerMeasureCommand } from './commands/measure.ts';
import { registerResultsCommands } from './commands/results.ts';
import { registerSegmentCommands } from './commands/segments.ts';
import { registerServeCommand } from './commands/serve.ts';
import { composeApp } from './compose/open-app.ts';
import type { CliContext } from './context.ts';
import { exitCodeOf } from './errors.ts';

const packageVersion = async (): Promise<string> => {
  const text = await readFile(new URL('../package.json', import.meta.url), 'utf8');
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null && 'version' in parsed
    ? String(parsed.version)
    : '0.0.0';
};

/** The OS login: the operator the audit log names (`cli:<login>`) and the default `--as`. */
const osUser = (env: CliContext['env']): string => {
  const named = env.USER ?? env.USERNAME;
  if (named !== undefined && named !== '') return named;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
};

/** The commands, in the order `cvm --help` lists them. */
const COMMANDS: readonly ((program: Command, deps: CommandDeps) => void)[] = [
  registerServeCommand,
  registerImportCommands,
  registerCustomerCommands,
  registerSegmentCommands,
  registerCampaignCommands,
  registerJourneyCommands,
  registerDeliveryCommands,
  registerAccountCommands,
  registerAuditCommands,
  registerResultsCommands,
  registerMeasureCommand,
  registerDemoCommands,
];

/** Runs one `cvm` command line and returns its exit code. */
export const runCli = async (argv: readonly string[], context: CliContext): Promise<number> => {
  const version = await packageVersion();
  const login = osUser(context.env);
  const deps: CommandDeps = {
    ...composeApp(context),
    out: (text) => context.stdout.write(`${text}\n`),
    context,
    login,
    actors: cliActors({ login }),
    version,
  };
  const program = new Command('cvm')
    .description('OpenCVM: customer value management — segments, campaigns, control groups, measured results')
    .version(version)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .showHelpAfterError();
  for (const register of COMMANDS) register(program, deps);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    return exitCodeOf(error, context.stderr);
  }
};
