import type { Command } from 'commander';
import { EXIT, fail } from '../errors.ts';
import { positiveInteger } from '../options.ts';
import type { CommandDeps } from './command-deps.ts';

/** `cvm summary` and `cvm customers show`: what the store holds, and one customer in it. */
export const registerCustomerCommands = (program: Command, deps: CommandDeps): void => {
  const { withApp, out } = deps;

  program
    .command('summary')
    .description('counts of customers, events and relations')
    .action(async () => {
      await withApp(async (app) => out(JSON.stringify(await app.summary(), null, 2)));
    });

  const customers = program.command('customers').description('look up customers');
  customers
    .command('show')
    .description("a customer's attributes, consent, last events and relations")
    .argument('<id>', 'customer id')
    .option('--events <n>', 'how many recent events', positiveInteger, 20)
    .option('--json', 'print JSON')
    .action(async (id: string, options: { events: number; json?: boolean }) => {
      await withApp(async (app) => {
        const details = await app.customer(id, { events: options.events });
        if (!details) return fail(`no customer with id "${id}"`, EXIT.refused);
        if (options.json) return out(JSON.stringify(details, null, 2));
        const { customer, lastEvents, relations } = details;
        out(`customer ${id}`);
        const consent = Object.entries(customer).filter(([key]) => key.startsWith('consent_'));
        for (const [key, value] of Object.entries(customer)) {
          if (!key.startsWith('consent_')) out(`  ${key.padEnd(24)} ${value ?? '—'}`);
        }
        out('consent');
        for (const [key, value] of consent) {
          out(
            `  ${key.slice('consent_'.length).replace('_', ' / ').padEnd(24)} ${value === null ? 'unknown' : value ? 'yes' : 'no'}`,
          );
        }
        out(`last ${lastEvents.length} events`);
        for (const event of lastEvents) {
          const attributes = Object.entries(event.attributes).map(([key, value]) => `${key}=${value}`);
          out(
            `  ${event.ts}  ${event.type.padEnd(14)} ${event.amount === null ? '' : `${event.amount} ${event.currency ?? ''}  `}${attributes.join(' ')}`,
          );
        }
        out(`relations (${relations.length})`);
        for (const relation of relations) {
          out(
            `  ${relation.direction === 'out' ? '→' : '←'} ${relation.customerId.padEnd(12)} ${relation.kind.padEnd(8)} ${relation.weight}`,
          );
        }
      });
    });
};
