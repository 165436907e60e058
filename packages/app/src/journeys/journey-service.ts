import {
  allowedActions,
  type CampaignAction,
  type CampaignContext,
  type CampaignStatus,
  type CustomerJourney,
  checkJourneyTemplate,
  err,
  isJourneyTemplateKey,
  JOURNEY_TEMPLATE_KEYS,
  JOURNEY_TEMPLATES,
  type Journey,
  type JourneyFunnel,
  type JourneyIssue,
  type JourneyTemplate,
  journeyFromTemplate,
  ok,
  parseJourney,
  type Result,
  type SchemaIssue,
  type Store,
  type StoredJourney,
  type TemplateLocale,
  transition,
  type WorkspaceSchema,
} from '@opencvm/core';
import { type ActOptions, type CampaignError, checkUser, stale } from '../campaigns/campaign-service.ts';
import { type ComparisonResults, compareArms } from '../results/results-service.ts';
import type { JourneyRuntime } from './journey-runtime.ts';

/**
 * Journey use cases: drafts the canvas saves as they are drawn (answered with every issue, each
 * on its node), the approval lifecycle of a campaign, and what a running journey shows — its
 * funnel, its results against the holdout, a customer's entries.
 *
 * A draft is edited freely. Editing a journey that is running (or approved, or completed) makes a
 * new version and sends it back to draft: customers already on it finish on the version they
 * entered; new customers enter once the new version is approved and started again.
 */

export type JourneyError = CampaignError;

export interface JourneyView extends StoredJourney {
  readonly issues: readonly JourneyIssue[];
}

export interface JourneyResults extends ComparisonResults {
  readonly journeyId: string;
  readonly kpi: Journey['goal']['kpi'];
  readonly attributionDays: number;
  readonly asOf: string;
  readonly funnel: JourneyFunnel;
  readonly breakdown: {
    readonly node: string;
    readonly slices: readonly (ComparisonResults & { readonly value: string | null })[];
  } | null;
}

/** A gallery entry: the scenario and whether it fits this workspace (with what is missing). */
export interface JourneyTemplateEntry {
  readonly key: string;
  readonly name: JourneyTemplate['name'];
  readonly description: JourneyTemplate['description'];
  readonly requires: JourneyTemplate['requires'];
  readonly available: boolean;
  readonly issues: readonly JourneyIssue[];
}

export interface JourneyDeps {
  readonly store: Store;
  readonly schema: WorkspaceSchema;
  readonly clock: () => Date;
  readonly runtime: JourneyRuntime;
}

const LIFECYCLE = [
  'status',
  'createdBy',
  'submittedBy',
  'submittedAt',
  'approvedBy',
  'approvedAt',
  'history',
];

const invalid = (issues: readonly SchemaIssue[]): JourneyError => ({ type: 'invalid_input', issues });
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const journeyService = (deps: JourneyDeps) => {
  const { store } = deps;

  const context = async (): Promise<CampaignContext> => {
    const [segments, offers] = await Promise.all([
      store.segments.listSegments(),
      store.campaigns.listOffers(),
    ]);
    return {
      schema: deps.schema,
      segments: new Set(segments.map((segment) => segment.id)),
      offers: new Map(offers.map((entry) => [entry.offer.id, entry.offer])),
    };
  };

  const view = async (stored: StoredJourney, ctx?: CampaignContext): Promise<JourneyView> => {
    const parsed = parseJourney(stored.journey, ctx ?? (await context()));
    return { ...stored, issues: parsed.ok ? parsed.value.issues : parsed.error.issues };
  };

  const find = async (id: string): Promise<Result<StoredJourney, JourneyError>> => {
    const stored = await store.journeys.getJourney(id);
    return stored === null ? err({ type: 'not_found', message: `no journey "${id}"` }) : ok(stored);
  };

  /** The store's funnel with every node of the journey, in its order: zero where nobody has been yet. */
  const funnelOf = async (journey: Journey): Promise<JourneyFunnel> => {
    const funnel = await store.journeys.funnel(journey.id);
    const counted = new Map(funnel.nodes.map((node) => [node.node, node]));
    const nodes = journey.nodes.map(
      (node) => counted.get(node.id) ?? { node: node.id, reached: 0, here: 0, outcomes: {} },
    );
    const known = new Set(journey.nodes.map((node) => node.id));
    // Nodes of earlier versions that customers reached stay in the funnel after the known ones.
    return { ...funnel, nodes: [...nodes, ...funnel.nodes.filter((node) => !known.has(node.node))] };
  };

  const definitionOf = (input: unknown): Result<Record<string, unknown>, JourneyError> => {
    if (!isRecord(input)) return err(invalid([{ path: '(root)', message: 'must be a JSON object' }]));
    const given = LIFECYCLE.find((key) => key in input);
    if (given !== undefined) {
      return err(
        invalid([
          {
            path: given,
            message: 'is set by the journey lifecycle (submit, approve, …), not by a definition',
          },
        ]),
      );
    }
    const { version: _version, ...rest } = input;
    return ok(rest);
  };

  const write = async (
    journey: Journey,
    expectedVersion: number | null,
  ): Promise<Result<JourneyView, JourneyError>> => {
    const saved = await store.journeys.saveJourney(journey, { at: deps.clock(), expectedVersion });
    if (saved.type === 'saved') return ok(await view(saved.stored));
    return err(stale(`journey "${journey.id}"`, expectedVersion, saved.current?.version ?? null));
  };

  const parse = async (input: unknown): Promise<Result<Journey, JourneyError>> => {
    const parsed = parseJourney(input, await context());
    return parsed.ok ? ok(parsed.value.journey) : err(invalid(parsed.error.issues));
  };

  const act = async (
    id: string,
    action: CampaignAction,
    options: ActOptions,
  ): Promise<Result<JourneyView, JourneyError>> => {
    const userError = checkUser(options.by);
    if (userError) return err(userError);
    const found = await find(id);
    if (!found.ok) return found;
    const { journey, version } = found.value;
    if (options.expectedVersion !== undefined && options.expectedVersion !== version) {
      return err(stale(`journey "${id}"`, options.expectedVersion, version));
    }
    const moved = transition(journey, action, { by: options.by, at: deps.clock(), note: options.note });
    if (!moved.ok) {
      if (moved.error.type === 'self_approval') {
        return err({
          type: 'forbidden',
          reason: 'self_approval',
          message: `journey "${id}" must be approved by someone other than its author and its submitter`,
        });
      }
      const allowed = allowedActions(journey.status);
      return err({
        type: 'conflict',
        reason: 'invalid_transition',
        message: `cannot ${action} journey "${id}" while it is ${journey.status}; ${allowed.length === 0 ? 'it accepts no action' : `it accepts ${allowed.join(', ')}`}`,
      });
    }
    if (action === 'submit' || action === 'approve' || action === 'start') {
      const checked = parseJourney(moved.value, await context());
      const issues = checked.ok ? checked.value.issues : checked.error.issues;
      if (issues.length > 0) {
        return err({
          type: 'conflict',
          reason: 'invalid_transition',
          message: `journey "${id}" cannot be ${action === 'submit' ? 'submitted' : action === 'approve' ? 'approved' : 'started'} with ${issues.length} issue${issues.length === 1 ? '' : 's'}: ${issues
            .slice(0, 3)
            .map((issue) => `${issue.path}: ${issue.message}`)
            .join('; ')}`,
          issues,
        });
      }
    }
    const saved = await write(moved.value, version);
    if (!saved.ok) return saved;
    if (action === 'start') await deps.runtime.started(moved.value);
    if (action === 'stop') await deps.runtime.stopped(id);
    if (action === 'complete') deps.runtime.reload();
    deps.runtime.nudge();
    return saved;
  };

  return {
    async create(
      input: unknown,
      options: { readonly by: string },
    ): Promise<Result<JourneyView, JourneyError>> {
      const userError = checkUser(options.by);
      if (userError) return err(userError);
      const definition = definitionOf(input);
      if (!definition.ok) return definition;
      const parsed = await parse({
        ...definition.value,
        status: 'draft',
        createdBy: options.by,
        history: [],
      });
      if (!parsed.ok) return parsed;
      return write(parsed.value, null);
    },

    /** Saves a new definition; a journey past draft goes back to draft as a new version. */
    async update(
      id: string,
      input: unknown,
      options: ActOptions,
    ): Promise<Result<JourneyView, JourneyError>> {
      const userError = checkUser(options.by);
      if (userError) return err(userError);
      const definition = definitionOf(input);
      if (!definition.ok) return definition;
      if ('id' in definition.value && definition.value.id !== id) {
        return err(invalid([{ path: 'id', message: `must be "${id}", the journey's id, or left out` }]));
      }
      const found = await find(id);
      if (!found.ok) return found;
      const { journey, version } = found.value;
      const expected = options.expectedVersion ?? version;
      if (expected !== version) {
        return err(stale(`journey "${id}"`, expected, version));
      }
      if (journey.status === 'pending_approval' || journey.status === 'stopped') {
        return err({
          type: 'conflict',
          reason: 'not_a_draft',
          message: `journey "${id}" is ${journey.status}; ${journey.status === 'stopped' ? 'a stopped journey is kept as it ran' : 'reject sends it back to draft first'}`,
        });
      }
      const parsed = await parse({
        ...definition.value,
        id,
        status: 'draft',
        createdBy: journey.createdBy,
        history: journey.history,
      });
      if (!parsed.ok) return parsed;
      const saved = await write(parsed.value, expected);
      if (saved.ok && journey.status !== 'draft') deps.runtime.reload();
      return saved;
    },

    async list(
      filter: { readonly status?: CampaignStatus | undefined } = {},
    ): Promise<readonly JourneyView[]> {
      const ctx = await context();
      const all = await store.journeys.listJourneys();
      const chosen =
        filter.status === undefined ? all : all.filter((stored) => stored.journey.status === filter.status);
      return Promise.all(chosen.map((stored) => view(stored, ctx)));
    },

    async show(id: string): Promise<Result<JourneyView, JourneyError>> {
      const found = await find(id);
      return found.ok ? ok(await view(found.value)) : found;
    },

    /** Deletes a journey nobody was ever on: a draft, or one stopped before anyone entered. */
    async remove(id: string): Promise<Result<true, JourneyError>> {
      const found = await find(id);
      if (!found.ok) return found;
      const { journey } = found.value;
      const funnel = await store.journeys.funnel(id);
      const entered = funnel.entered.treated + funnel.entered.holdout + funnel.entered.ucg;
      if (journey.status !== 'draft' || entered > 0) {
        return err({
          type: 'conflict',
          reason: 'not_a_draft',
          message: `journey "${id}" is ${journey.status}${entered > 0 ? ` with ${entered} entries` : ''}; only a draft nobody entered may be deleted`,
        });
      }
      return (await store.journeys.deleteJourney(id))
        ? ok(true)
        : err({ type: 'not_found', message: `no journey "${id}"` });
    },

    act,

    async funnel(id: string): Promise<Result<JourneyFunnel, JourneyError>> {
      const found = await find(id);
      return found.ok ? ok(await funnelOf(found.value.journey)) : found;
    },

    /** Treated vs holdout by intention to treat, goal counted from each entry; per path of a node when asked. */
    async results(
      id: string,
      options: { readonly byNode?: string | undefined } = {},
    ): Promise<Result<JourneyResults, JourneyError>> {
      const found = await find(id);
      if (!found.ok) return found;
      const { journey } = found.value;
      if (options.byNode !== undefined && !journey.nodes.some((node) => node.id === options.byNode)) {
        return err(invalid([{ path: 'byNode', message: `journey "${id}" has no node "${options.byNode}"` }]));
      }
      const asOf = deps.clock();
      const goal = {
        eventType: journey.goal.eventType,
        where: journey.goal.where ?? [],
        attributionDays: journey.goal.attributionDays,
      };
      const [whole] = await store.journeys.outcomes({ journeyId: id, goal, asOf });
      const funnel = await funnelOf(journey);
      let breakdown: JourneyResults['breakdown'] = null;
      if (options.byNode !== undefined) {
        const slices = await store.journeys.outcomes({ journeyId: id, goal, asOf, byNode: options.byNode });
        const holdout = slices
          .find((slice) => slice.value === 'holdout')
          ?.groups.find((group) => group.group === 'control');
        breakdown = {
          node: options.byNode,
          slices: slices
            .filter((slice) => slice.value !== 'holdout')
            .map((slice) => ({
              value: slice.value,
              ...compareArms(
                holdout === undefined
                  ? slice.groups
                  : [...slice.groups.filter((group) => group.group !== 'control'), holdout],
              ),
            })),
        };
      }
      return ok({
        journeyId: id,
        kpi: journey.goal.kpi,
        attributionDays: journey.goal.attributionDays,
        asOf: asOf.toISOString(),
        ...compareArms(whole?.groups ?? []),
        funnel,
        breakdown,
      });
    },

    async templates(): Promise<readonly JourneyTemplateEntry[]> {
      const ctx = await context();
      return JOURNEY_TEMPLATE_KEYS.map((key) => {
        const template = JOURNEY_TEMPLATES[key];
        const checked = checkJourneyTemplate(key, ctx);
        return {
          key,
          name: template.name,
          description: template.description,
          requires: template.requires,
          available: checked.ok,
          issues: checked.ok ? [] : checked.error.issues,
        };
      });
    },

    /** A draft journey from a gallery scenario, in the language asked for. */
    async fromTemplate(
      key: string,
      options: { readonly id: string; readonly by: string; readonly locale?: TemplateLocale | undefined },
    ): Promise<Result<JourneyView, JourneyError>> {
      if (!isJourneyTemplateKey(key)) {
        return err({
          type: 'not_found',
          message: `no journey template "${key}"; there are ${JOURNEY_TEMPLATE_KEYS.join(', ')}`,
        });
      }
      const userError = checkUser(options.by);
      if (userError) return err(userError);
      const made = journeyFromTemplate(
        key,
        { id: options.id, locale: options.locale, createdBy: options.by },
        await context(),
      );
      if (!made.ok) {
        return err({
          type: 'conflict',
          reason: 'template_unavailable',
          message: `template "${key}" does not fit this workspace: ${made.error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
          issues: made.error.issues,
        });
      }
      return write(made.value, null);
    },

    /** A customer's journeys, newest entry first: where they are, or why they left. */
    entries: (customerId: string, limit = 50): Promise<readonly CustomerJourney[]> =>
      store.journeys.customerJourneys(customerId, limit),
  };
};

export type JourneyService = ReturnType<typeof journeyService>;
