import { realClock, runCli } from './program.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  clock: realClock,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
