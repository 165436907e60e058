import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { App } from '@opencvm/app';
import {
  CAMPAIGN_ACTIONS,
  CAMPAIGN_STATUSES,
  type CampaignAction,
  type CampaignRun,
  type CampaignStatus,
  DELIVERY_CHANNELS,
  type DeliveryChannel,
  type Permission,
  type StoredCampaign,
  type StoredOffer,
  TEMPLATE_LOCALES,
  type TemplateLocale,
} from '@opencvm/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Acting, AS_HELP, OPTIONAL_AS_HELP } from '../audited.ts';
import { EXIT, fail, unwrap } from '../errors.ts';
import { parseJson, positiveInteger } from '../options.ts';
import { table } from '../table.ts';
import type { CommandDeps } from './command-deps.ts';

export interface DefinitionOptions {
  readonly file?: string;
  readonly json?: string;
}

/** A definition given with `--file <file>` or `--json <text>`, decoded; a usage error otherwise. */
export const readDefinitionOption = async (options: DefinitionOptions, cwd: string): Promise<unknown> => {
  if (options.file !== undefined && options.json !== undefined)
    return fail('give --file or --json, not both', EXIT.usage);
  if (options.json !== undefined) return parseJson(options.json, '--json');
  if (options.file === undefined)
    return fail('give the definition with --file <file> or --json <text>', EXIT.usage);
  let text: string;
  try {
    text = await readFile(resolve(cwd, options.file), 'utf8');
  } catch (error) {
    return fail(`${options.file}: ${error instanceof Error ? error.message : String(error)}`, EXIT.usage);
  }
  return parseJson(text, options.file);
};

/** The permission each lifecycle action (of a campaign or a journey) needs, as its HTTP route requires it. */
export const ACTION_PERMISSION: Readonly<Record<CampaignAction, Permission>> = {
  submit: 'campaigns.write',
  approve: 'campaigns.approve',
  reject: 'campaigns.approve',
  start: 'campaigns.approve',
  stop: 'campaigns.approve',
  complete: 'campaigns.approve',
};

const share = (value: string): number => {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new InvalidArgumentError(`expected a percentage, got "${value}"`);
  return Number(value);
};

/** `cvm offer`, `cvm campaign` and `cvm ucg`: what campaigns propose, to whom, and who is held out. */
export const registerCampaignCommands = (program: Command, deps: CommandDeps): void => {
  const { withApp, out } = deps;
  /** Who acts when `--as` is not given: the OS login. */
  const defaultUser = deps.login;
  const printJson = (value: unknown) => out(JSON.stringify(value, null, 2));

  /** The definition given with --file or --json. */
  const readDefinition = (options: DefinitionOptions): Promise<unknown> =>
    readDefinitionOption(options, deps.context.cwd);

  const withDefinition = (command: Command): Command =>
    command
      .option('--file <file>', 'a file holding the definition as JSON')
      .option('--json <text>', 'the definition as JSON');

  const offerWriter = (app: App, options: { readonly as?: string }): Promise<Acting> =>
    deps.actors.acting(app, { as: options.as, permission: 'offers.write' });
  /** An offer or a campaign as read before a change: what the API's audit entries show as "before". */
  const offerBefore = async (app: App, id: string): Promise<StoredOffer | null> => {
    const found = await app.campaigns.showOffer(id);
    return found.ok ? found.value : null;
  };
  const campaignBefore = async (app: App, id: string): Promise<StoredCampaign | null> => {
    const found = await app.campaigns.showCampaign(id);
    return found.ok ? found.value : null;
  };
  const campaignTarget = (id: string) => ({ type: 'campaign', id });

  const campaignLine = (stored: StoredCampaign): string =>
    `campaign ${stored.campaign.id} is ${stored.campaign.status} (version ${stored.version})`;

  // Offers -------------------------------------------------------------------------------------

  const offer = program.command('offer').description('define what campaigns propose');

  withDefinition(
    offer.command('create').description('save a new offer').option('--as <user>', OPTIONAL_AS_HELP),
  ).action(async (options: DefinitionOptions & { as?: string }) => {
    const definition = await readDefinition(options);
    await withApp(async (app) => {
      const acting = await offerWriter(app, options);
      const saved = unwrap(await app.campaigns.createOffer(definition));
      const target = { type: 'offer', id: saved.offer.id };
      await acting.record({ action: 'offer.create', target, before: null, after: saved.offer });
      out(`created offer ${saved.offer.id}`);
    });
  });

  withDefinition(
    offer
      .command('update')
      .description("replace an offer's definition")
      .argument('<id>', 'offer id')
      .option('--as <user>', OPTIONAL_AS_HELP),
  ).action(async (id: string, options: DefinitionOptions & { as?: string }) => {
    const definition = await readDefinition(options);
    if (typeof definition !== 'object' || definition === null || Array.isArray(definition))
      return fail('(root): must be a JSON object', EXIT.usage);
    if ('id' in definition && definition.id !== id)
      return fail(`id: must be "${id}", or left out`, EXIT.usage);
    await withApp(async (app) => {
      const acting = await offerWriter(app, options);
      const before = await offerBefore(app, id);
      const saved = unwrap(await app.campaigns.updateOffer({ ...definition, id }));
      await acting.record({ action: 'offer.update', target: { type: 'offer', id }, before, after: saved });
      out(`updated offer ${saved.offer.id}`);
    });
  });

  offer
    .command('list')
    .description('saved offers')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(async (app) => {
        const offers = await app.campaigns.listOffers();
        if (options.json) return printJson(offers);
        if (offers.length === 0) return out('no offers');
        for (const line of table(
          ['id', 'kind', 'valid', 'value', 'priority', 'name'],
          offers.map(({ offer: o }) => [
            o.id,
            o.kind,
            `${o.validFrom} – ${o.validTo ?? '…'}`,
            o.value,
            String(o.priority),
            o.name,
          ]),
        ))
          out(line);
      });
    });

  offer
    .command('show')
    .description("an offer's definition")
    .argument('<id>', 'offer id')
    .action(async (id: string) => {
      await withApp(async (app) => printJson(unwrap(await app.campaigns.showOffer(id))));
    });

  offer
    .command('delete')
    .description('delete an offer (refused while a campaign names it)')
    .argument('<id>', 'offer id')
    .option('--as <user>', OPTIONAL_AS_HELP)
    .action(async (id: string, options: { as?: string }) => {
      await withApp(async (app) => {
        const acting = await offerWriter(app, options);
        const before = await offerBefore(app, id);
        unwrap(await app.campaigns.deleteOffer(id));
        await acting.record({ action: 'offer.delete', target: { type: 'offer', id }, before, after: null });
        out(`deleted offer ${id}`);
      });
    });

  // Campaigns ----------------------------------------------------------------------------------

  const campaign = program
    .command('campaign')
    .description('define campaigns and move them through draft → approval → running → completed');

  withDefinition(
    campaign
      .command('create')
      .description('save a new draft campaign, authored by the acting user')
      .option('--as <user>', AS_HELP, defaultUser),
  ).action(async (options: DefinitionOptions & { as: string }) => {
    const definition = await readDefinition(options);
    await withApp(async (app) => {
      const acting = await deps.actors.acting(app, { as: options.as, permission: 'campaigns.write' });
      const saved = unwrap(await app.campaigns.createCampaign(definition, { by: acting.name }));
      const target = campaignTarget(saved.campaign.id);
      await acting.record({ action: 'campaign.create', target, before: null, after: saved.campaign });
      out(`created ${campaignLine(saved)}`);
    });
  });

  withDefinition(
    campaign
      .command('update')
      .description("replace a draft's definition")
      .argument('<id>', 'campaign id')
      .option(
        '--expect-version <n>',
        'the version the change is based on (refused if it moved)',
        positiveInteger,
      )
      .option('--as <user>', AS_HELP, defaultUser),
  ).action(async (id: string, options: DefinitionOptions & { as: string; expectVersion?: number }) => {
    const definition = await readDefinition(options);
    await withApp(async (app) => {
      const acting = await deps.actors.acting(app, { as: options.as, permission: 'campaigns.write' });
      const before = await campaignBefore(app, id);
      const saved = unwrap(
        await app.campaigns.updateCampaign(id, definition, {
          by: acting.name,
          expectedVersion: options.expectVersion,
        }),
      );
      const target = campaignTarget(id);
      await acting.record({ action: 'campaign.update', target, before, after: saved.campaign });
      out(`updated ${campaignLine(saved)}`);
    });
  });

  campaign
    .command('list')
    .description('campaigns, optionally of one status')
    .addOption(new Option('--status <status>', 'only campaigns in this status').choices(CAMPAIGN_STATUSES))
    .option('--json', 'print JSON')
    .action(async (options: { status?: CampaignStatus; json?: boolean }) => {
      await withApp(async (app) => {
        const campaigns = await app.campaigns.listCampaigns({ status: options.status });
        if (options.json) return printJson(campaigns);
        if (campaigns.length === 0) return out('no campaigns');
        for (const line of table(
          ['id', 'status', 'version', 'channel', 'author', 'name'],
          campaigns.map(({ campaign: c, version }) => [
            c.id,
            c.status,
            String(version),
            c.channel,
            c.createdBy,
            c.name,
          ]),
        ))
          out(line);
      });
    });

  campaign
    .command('show')
    .description("a campaign's definition, status and history (JSON)")
    .argument('<id>', 'campaign id')
    .action(async (id: string) => {
      await withApp(async (app) => printJson(unwrap(await app.campaigns.showCampaign(id))));
    });

  campaign
    .command('delete')
    .description('delete a draft')
    .argument('<id>', 'campaign id')
    .option('--expect-version <n>', 'the version the deletion is based on', positiveInteger)
    .option('--as <user>', AS_HELP, defaultUser)
    .action(async (id: string, options: { expectVersion?: number; as: string }) => {
      await withApp(async (app) => {
        const acting = await deps.actors.acting(app, { as: options.as, permission: 'campaigns.write' });
        const before = await campaignBefore(app, id);
        unwrap(await app.campaigns.deleteCampaign(id, { expectedVersion: options.expectVersion }));
        await acting.record({ action: 'campaign.delete', target: campaignTarget(id), before, after: null });
        out(`deleted campaign ${id}`);
      });
    });

  const actionHelp: Readonly<Record<(typeof CAMPAIGN_ACTIONS)[number], string>> = {
    submit: 'send a draft for approval',
    approve: 'approve a pending campaign (not by its author or submitter)',
    reject: 'send a pending campaign back to draft',
    start: 'start an approved campaign',
    stop: 'stop an approved or running campaign',
    complete: 'mark a running campaign completed',
  };
  for (const action of CAMPAIGN_ACTIONS) {
    campaign
      .command(action)
      .description(actionHelp[action])
      .argument('<id>', 'campaign id')
      .option('--note <text>', 'why (kept in the history)')
      .option('--expect-version <n>', 'the version the action is based on', positiveInteger)
      .option('--as <user>', AS_HELP, defaultUser)
      .action(async (id: string, options: { note?: string; expectVersion?: number; as: string }) => {
        await withApp(async (app) => {
          const acting = await deps.actors.acting(app, {
            as: options.as,
            permission: ACTION_PERMISSION[action],
          });
          const before = await campaignBefore(app, id);
          const moved = unwrap(
            await app.campaigns.act(id, action, {
              by: acting.name,
              note: options.note,
              expectedVersion: options.expectVersion,
            }),
          );
          const target = campaignTarget(id);
          await acting.record({ action: `campaign.${action}`, target, before, after: moved.campaign });
          out(`${campaignLine(moved)}`);
        });
      });
  }

  const printFunnel = (run: CampaignRun) => {
    out(`run ${run.id}  ${run.dryRun ? 'dry run' : 'run'}  ${run.status}  started ${run.startedAt}`);
    const funnel = run.funnel;
    if (funnel === null) return;
    const rows: string[][] = [['audience', '', '', String(funnel.audience)]];
    for (const step of funnel.steps) {
      const reasons = Object.entries(step.reasons);
      if (reasons.length === 0) rows.push([step.step, '', '0', String(step.entered - step.left)]);
      reasons.forEach(([reason, n], index) => {
        rows.push([
          index === 0 ? step.step : '',
          reason,
          String(n),
          index === 0 ? String(step.entered - step.left) : '',
        ]);
      });
    }
    rows.push(['outbox', 'queued', '', String(funnel.queued)]);
    for (const line of table(['step', 'outcome', 'left', 'remaining'], rows)) out(line);
  };
  campaign
    .command('run')
    .description('run a running campaign now: audience to outbox, with its funnel')
    .argument('<id>', 'campaign id')
    .option('--run-id <id>', 'resume or repeat this run (adds nothing it already wrote)')
    .option('--as <user>', AS_HELP, defaultUser)
    .action(async (id: string, options: { runId?: string; as: string }) => {
      await withApp(async (app) => {
        const acting = await deps.actors.acting(app, { as: options.as, permission: 'campaigns.approve' });
        const run = unwrap(await app.runs.run({ campaignId: id, dryRun: false, runId: options.runId }));
        await acting.record({ action: 'campaign.run', target: campaignTarget(id), before: null, after: run });
        printFunnel(run);
      });
    });

  campaign
    .command('dry-run')
    .description('compute the funnel of a run without writing contact history or the outbox')
    .argument('<id>', 'campaign id')
    .action(async (id: string) => {
      await withApp(async (app) => printFunnel(unwrap(await app.runs.run({ campaignId: id, dryRun: true }))));
    });

  campaign
    .command('runs')
    .description("a campaign's runs, newest first")
    .argument('<id>', 'campaign id')
    .option('--limit <n>', 'how many', positiveInteger, 20)
    .action(async (id: string, options: { limit: number }) => {
      await withApp(async (app) => {
        const runs = unwrap(await app.runs.listRuns(id, options.limit));
        for (const line of table(
          ['run', 'kind', 'status', 'started', 'audience', 'queued'],
          runs.map((run) => [
            run.id,
            run.dryRun ? 'dry run' : 'run',
            run.status,
            run.startedAt,
            String(run.funnel?.audience ?? ''),
            String(run.funnel?.queued ?? ''),
          ]),
        ))
          out(line);
      });
    });

  campaign
    .command('templates')
    .description('the gallery of ready scenarios, and which fit this workspace')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(async (app) => {
        const entries = await app.campaigns.templates();
        if (options.json) return printJson(entries);
        for (const entry of entries) {
          out(
            `${entry.key.padEnd(18)} ${entry.available ? 'available    ' : 'not available'}  ${entry.name.en}`,
          );
          for (const issue of entry.issues) out(`  ${issue.path}: ${issue.message}`);
        }
      });
    });

  campaign
    .command('from-template')
    .description("create a draft from a gallery scenario, and the scenario's offer when missing")
    .argument('<key>', 'scenario key (see `cvm campaign templates`)')
    .argument('<id>', 'the new campaign id')
    .addOption(new Option('--channel <channel>', 'channel (default sms)').choices(DELIVERY_CHANNELS))
    .addOption(new Option('--locale <locale>', 'language of name and description').choices(TEMPLATE_LOCALES))
    .option('--valid-from <date>', "the new offer's first day (default: today)")
    .option('--valid-to <date>', "the new offer's last day")
    .option('--as <user>', AS_HELP, defaultUser)
    .action(
      async (
        key: string,
        id: string,
        options: {
          channel?: DeliveryChannel;
          locale?: TemplateLocale;
          validFrom?: string;
          validTo?: string;
          as: string;
        },
      ) => {
        await withApp(async (app) => {
          const acting = await deps.actors.acting(app, { as: options.as, permission: 'campaigns.write' });
          const created = unwrap(
            await app.campaigns.fromTemplate(key, {
              id,
              by: acting.name,
              channel: options.channel,
              locale: options.locale,
              validFrom: options.validFrom,
              validTo: options.validTo,
            }),
          );
          const campaignDocument = created.campaign.campaign;
          await acting.record({
            action: 'campaign.create',
            target: campaignTarget(campaignDocument.id),
            before: null,
            after: campaignDocument,
          });
          // The API's entry names only the campaign; the offer the scenario added is a change too.
          if (created.offerCreated) {
            const offerTarget = { type: 'offer', id: created.offer.offer.id };
            await acting.record({
              action: 'offer.create',
              target: offerTarget,
              before: null,
              after: created.offer.offer,
            });
          }
          out(`created ${campaignLine(created.campaign)} from template ${key}`);
          out(`${created.offerCreated ? 'created' : 'uses'} offer ${created.offer.offer.id}`);
        });
      },
    );

  // Universal control group --------------------------------------------------------------------

  const ucg = program
    .command('ucg')
    .description('the universal control group: customers marketing never contacts');

  ucg
    .command('show')
    .description('the salt and share in force, and earlier ones (drawn on first use)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(async (app) => {
        const settings = await app.campaigns.showUcg();
        if (options.json) return printJson(settings);
        out(`share ${settings.share}% since ${settings.rotatedAt} (salt ${settings.salt})`);
        for (const period of settings.history)
          out(`  ${period.from} – ${period.to}: share ${period.share}% (salt ${period.salt})`);
      });
    });

  ucg
    .command('rotate')
    .description('draw a new group with a new salt; the old one is kept with its period')
    .option('--share <percent>', 'a new share, 0 to 100', share)
    .option('--as <user>', AS_HELP, defaultUser)
    .action(async (options: { share?: number; as: string }) => {
      await withApp(async (app) => {
        const acting = await deps.actors.acting(app, { as: options.as, permission: 'settings.write' });
        const before = await app.campaigns.showUcg();
        const settings = unwrap(await app.campaigns.rotateUcg({ by: acting.name, share: options.share }));
        const target = { type: 'ucg', id: 'ucg' };
        await acting.record({ action: 'ucg.rotate', target, before, after: settings });
        out(`rotated: share ${settings.share}% since ${settings.rotatedAt} (salt ${settings.salt})`);
      });
    });
};
