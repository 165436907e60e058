import type { AuditEntry } from '@opencvm/core';
import type { Command } from 'commander';
import { EXIT, fail } from '../errors.ts';
import { nonNegativeInteger, positiveInteger } from '../options.ts';
import { table } from '../table.ts';
import type { CommandDeps } from './command-deps.ts';

const auditLines = (entries: readonly AuditEntry[]): string[] =>
  table(
    ['seq', 'at', 'actor', 'action', 'target'],
    entries.map((entry) => [
      String(entry.seq),
      entry.at,
      entry.actor,
      entry.action,
      entry.target === null ? '' : `${entry.target.type} ${entry.target.id}`,
    ]),
  );

/** `cvm audit`: the hash-chained log of who changed what, and its check. */
export const registerAuditCommands = (program: Command, deps: CommandDeps): void => {
  const { withApp, out } = deps;
  const printJson = (value: unknown) => out(JSON.stringify(value, null, 2));

  const audit = program.command('audit').description('the audit log: who changed what, hash-chained');

  audit
    .command('list')
    .description('entries, newest first')
    .option('--limit <n>', 'how many', positiveInteger, 50)
    .option('--actor <name>', 'only this actor (a user name, key:<name> or cli:<login>)')
    .option('--action <action>', 'only this action, e.g. user.update')
    .option('--before-seq <n>', 'only entries older than this one (the next page)', nonNegativeInteger)
    .option('--json', 'print JSON')
    .action(
      async (options: {
        limit: number;
        actor?: string;
        action?: string;
        beforeSeq?: number;
        json?: boolean;
      }) => {
        await withApp(async (app) => {
          const entries = await app.audit.list({
            limit: options.limit,
            ...(options.actor === undefined ? {} : { actor: options.actor }),
            ...(options.action === undefined ? {} : { action: options.action }),
            ...(options.beforeSeq === undefined ? {} : { beforeSeq: options.beforeSeq }),
          });
          if (options.json) return printJson(entries);
          if (entries.length === 0) return out('no entries');
          for (const line of auditLines(entries)) out(line);
        });
      },
    );

  audit
    .command('verify')
    .description('recompute the hash chain; exits 1 naming the first entry that does not match')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(async (app) => {
        const verification = await app.audit.verify();
        if (options.json) printJson(verification);
        if (!verification.ok) {
          return fail(
            `audit log broken at seq ${verification.seq}: ${verification.reason} (${verification.entries} entries checked)`,
            EXIT.refused,
          );
        }
        if (!options.json)
          out(`audit log intact: ${verification.entries} entries, last hash ${verification.lastHash}`);
      });
    });
};
