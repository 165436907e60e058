import {
  type ApiErrorReason,
  Audience,
  allowedActions,
  CAMPAIGN_TEMPLATE_KEYS,
  CAMPAIGN_TEMPLATES,
  type Campaign,
  type CampaignAction,
  type CampaignContext,
  type CampaignStatus,
  type CampaignTemplate,
  type CampaignTemplateKey,
  campaignFromTemplate,
  checkCampaignTemplate,
  createUcgSettings,
  type DeliveryChannel,
  err,
  isEditable,
  type Offer,
  offerFromTemplate,
  ok,
  parseCampaign,
  parseOffer,
  type Result,
  rotateUcg,
  type SchemaIssue,
  SharePercent,
  type Store,
  type StoredCampaign,
  type StoredOffer,
  type TemplateLocale,
  todayIn,
  transition as transitionCampaign,
  type UcgSettings,
  type WorkspaceSchema,
} from '@opencvm/core';

/** Why an offer, campaign or UCG operation was refused; nothing was changed. */
export type CampaignError =
  | { readonly type: 'invalid_input'; readonly issues: readonly SchemaIssue[] }
  | { readonly type: 'not_found'; readonly message: string }
  /** The state does not allow it: a version moved, a status forbids it, a record exists or is in use. */
  | {
      readonly type: 'conflict';
      readonly reason: ApiErrorReason;
      readonly message: string;
      readonly issues?: readonly SchemaIssue[];
    }
  /** The acting user may not do it (the approval rule). */
  | { readonly type: 'forbidden'; readonly reason: ApiErrorReason; readonly message: string };

export interface CampaignDeps {
  readonly store: Store;
  readonly schema: WorkspaceSchema;
  readonly clock: () => Date;
  /** A fresh random id: salts of the universal control group are drawn from it. */
  readonly randomId: () => string;
}

/** Who acts, with an optional note (a rejection's reason) and the version the caller last saw. */
export interface ActOptions {
  readonly by: string;
  readonly note?: string | undefined;
  /** The version the caller based the change on; when absent, the one read just before writing. */
  readonly expectedVersion?: number | undefined;
}

/** A gallery entry: the scenario and whether it fits this workspace (with what is missing). */
export interface CampaignTemplateEntry {
  readonly key: CampaignTemplateKey;
  readonly name: CampaignTemplate['name'];
  readonly description: CampaignTemplate['description'];
  readonly requires: CampaignTemplate['requires'];
  readonly offerId: string;
  /** Whom the scenario addresses, and whom its offer (the stored one when it exists) is open to. */
  readonly audience: Audience;
  readonly eligibility: Audience | null;
  readonly available: boolean;
  readonly issues: readonly SchemaIssue[];
}

export interface FromTemplateOptions {
  readonly id: string;
  readonly by: string;
  readonly channel?: DeliveryChannel | undefined;
  readonly locale?: TemplateLocale | undefined;
  /** First day of the scenario's offer when it has to be created; today in the workspace when absent. */
  readonly validFrom?: string | undefined;
  readonly validTo?: string | undefined;
}

const MAX_USER_LENGTH = 200;

const invalid = (path: string, message: string): CampaignError => ({
  type: 'invalid_input',
  issues: [{ path, message }],
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The acting user, checked once for every write (of a campaign or a journey). */
export const checkUser = (by: string): CampaignError | null =>
  by.length === 0 || by.length > MAX_USER_LENGTH
    ? invalid('user', `must be a user name of 1 to ${MAX_USER_LENGTH} characters`)
    : null;

/** Why a write over a version that moved was refused: deleted, created meanwhile, or changed. */
export const stale = (
  what: string,
  expected: number | string | null,
  actual: number | string | null,
): CampaignError => {
  if (actual === null)
    return { type: 'conflict', reason: 'deleted_meanwhile', message: `${what} was deleted meanwhile` };
  if (expected === null)
    return { type: 'conflict', reason: 'already_exists', message: `${what} already exists` };
  return {
    type: 'conflict',
    reason: 'stale_version',
    message: `${what} changed meanwhile (version ${actual}, not ${expected}); reload it and try again`,
  };
};

const isTemplateKey = (key: string): key is CampaignTemplateKey =>
  CAMPAIGN_TEMPLATE_KEYS.some((candidate) => candidate === key);

/** Offer, campaign and universal control group use cases. */
export const campaignService = (deps: CampaignDeps) => {
  const { store, schema } = deps;
  const campaigns = store.campaigns;

  const offerMap = async (): Promise<Map<string, Offer>> =>
    new Map((await campaigns.listOffers()).map((stored) => [stored.offer.id, stored.offer]));

  /** What definitions are checked against: the schema, saved segments, lists and offers. */
  const context = async (offers?: ReadonlyMap<string, Offer>): Promise<CampaignContext> => ({
    schema,
    segments: new Set((await store.segments.listSegments()).map((segment) => segment.id)),
    lists: new Set((await store.segments.listLists()).map((list) => list.name)),
    offers: offers ?? (await offerMap()),
  });

  const today = (): string => todayIn({ now: deps.clock(), timezone: schema.workspace.timezone });

  const findCampaign = async (id: string): Promise<Result<StoredCampaign, CampaignError>> => {
    const stored = await campaigns.getCampaign(id);
    return stored === null ? err({ type: 'not_found', message: `no campaign "${id}"` }) : ok(stored);
  };

  const saveOffer = async (
    input: unknown,
    mode: 'create' | 'update',
  ): Promise<Result<StoredOffer, CampaignError>> => {
    const parsed = parseOffer(input, await context());
    if (!parsed.ok) return err({ type: 'invalid_input', issues: parsed.error.issues });
    const offer = parsed.value;
    const existing = await campaigns.getOffer(offer.id);
    if (mode === 'create' && existing !== null)
      return err({
        type: 'conflict',
        reason: 'already_exists',
        message: `offer "${offer.id}" already exists`,
      });
    if (mode === 'update' && existing === null)
      return err({ type: 'not_found', message: `no offer "${offer.id}"` });
    return ok(await campaigns.saveOffer(offer, deps.clock()));
  };

  /** Checks a stored campaign again before it moves on: offers or segments may have gone since. */
  const recheck = async (campaign: Campaign): Promise<CampaignError | null> => {
    const parsed = parseCampaign(campaign, await context());
    return parsed.ok ? null : { type: 'invalid_input', issues: parsed.error.issues };
  };

  const write = async (
    campaign: Campaign,
    expectedVersion: number | null,
  ): Promise<Result<StoredCampaign, CampaignError>> => {
    const saved = await campaigns.saveCampaign(campaign, { expectedVersion, at: deps.clock() });
    if (saved.ok) return saved;
    return err(stale(`campaign "${campaign.id}"`, saved.error.expected, saved.error.actual));
  };

  /** A campaign body without its lifecycle: those fields are the use cases' to set. */
  const definitionOf = (input: unknown): Result<Record<string, unknown>, CampaignError> => {
    if (!isRecord(input)) return err(invalid('(root)', 'must be a JSON object'));
    const lifecycle = [
      'status',
      'createdBy',
      'submittedBy',
      'submittedAt',
      'approvedBy',
      'approvedAt',
      'history',
    ];
    const given = lifecycle.find((key) => key in input);
    if (given !== undefined)
      return err(
        invalid(given, 'is set by the campaign lifecycle (submit, approve, …), not by a definition'),
      );
    return ok(input);
  };

  const act = async (
    id: string,
    action: CampaignAction,
    options: ActOptions,
  ): Promise<Result<StoredCampaign, CampaignError>> => {
    const userError = checkUser(options.by);
    if (userError) return err(userError);
    const found = await findCampaign(id);
    if (!found.ok) return found;
    const { campaign, version } = found.value;
    if (options.expectedVersion !== undefined && options.expectedVersion !== version)
      return err(stale(`campaign "${id}"`, options.expectedVersion, version));
    const moved = campaignTransition(campaign, action, options);
    if (!moved.ok) return moved;
    if (action === 'submit' || action === 'approve' || action === 'start') {
      const problem = await recheck(moved.value);
      if (problem) return err(problem);
    }
    return write(moved.value, version);
  };

  const campaignTransition = (
    campaign: Campaign,
    action: CampaignAction,
    options: ActOptions,
  ): Result<Campaign, CampaignError> => {
    const moved = transitionCampaign(campaign, action, {
      by: options.by,
      at: deps.clock(),
      note: options.note,
    });
    if (moved.ok) return moved;
    if (moved.error.type === 'self_approval')
      return err({
        type: 'forbidden',
        reason: 'self_approval',
        message: `campaign "${campaign.id}" must be approved by someone other than its author and its submitter`,
      });
    const allowed = allowedActions(campaign.status);
    return err({
      type: 'conflict',
      reason: 'invalid_transition',
      message: `cannot ${action} campaign "${campaign.id}" while it is ${campaign.status}; ${allowed.length === 0 ? 'it accepts no action' : `it accepts ${allowed.join(', ')}`}`,
    });
  };

  const templateEntry = (
    key: CampaignTemplateKey,
    ctx: CampaignContext,
    offers: ReadonlyMap<string, Offer>,
  ): CampaignTemplateEntry => {
    const template = CAMPAIGN_TEMPLATES[key];
    const checked = checkCampaignTemplate(key, ctx);
    const offer = offers.get(template.offer.id);
    return {
      key,
      name: template.name,
      description: template.description,
      requires: template.requires,
      offerId: template.offer.id,
      audience: template.audience,
      eligibility:
        offer === undefined
          ? (Audience.safeParse(template.offer.eligibility).data ?? null)
          : (offer.eligibility ?? null),
      available: checked.ok,
      issues: checked.ok ? [] : checked.error.issues,
    };
  };

  /** The UCG settings, drawn with a random salt on first use (a concurrent first use wins once). */
  const ucgSettings = async (): Promise<UcgSettings> => {
    const current = await campaigns.getUcgSettings();
    if (current !== null) return current;
    const at = deps.clock();
    const created = await campaigns.saveUcgSettings(createUcgSettings({ salt: deps.randomId(), at }), {
      expectedRotatedAt: null,
      at,
    });
    if (created.ok) return created.value;
    const winner = await campaigns.getUcgSettings();
    if (winner === null) throw new Error('UCG settings vanished after a concurrent first use');
    return winner;
  };

  return {
    // Offers -----------------------------------------------------------------------------------
    createOffer: (input: unknown) => saveOffer(input, 'create'),
    updateOffer: (input: unknown) => saveOffer(input, 'update'),
    listOffers: () => campaigns.listOffers(),

    async showOffer(id: string): Promise<Result<StoredOffer, CampaignError>> {
      const stored = await campaigns.getOffer(id);
      return stored === null ? err({ type: 'not_found', message: `no offer "${id}"` }) : ok(stored);
    },

    /** Deletes an offer no campaign names. */
    async deleteOffer(id: string): Promise<Result<true, CampaignError>> {
      const users = (await campaigns.listCampaigns())
        .filter((stored) => stored.campaign.offers.includes(id))
        .map((stored) => stored.campaign.id);
      if (users.length > 0)
        return err({
          type: 'conflict',
          reason: 'in_use',
          message: `offer "${id}" is used by campaign ${users.join(', ')}`,
        });
      return (await campaigns.deleteOffer(id))
        ? ok(true)
        : err({ type: 'not_found', message: `no offer "${id}"` });
    },

    // Campaigns --------------------------------------------------------------------------------
    async createCampaign(
      input: unknown,
      options: { readonly by: string },
    ): Promise<Result<StoredCampaign, CampaignError>> {
      const userError = checkUser(options.by);
      if (userError) return err(userError);
      const definition = definitionOf(input);
      if (!definition.ok) return definition;
      const parsed = parseCampaign(
        { ...definition.value, status: 'draft', createdBy: options.by, history: [] },
        await context(),
      );
      if (!parsed.ok) return err({ type: 'invalid_input', issues: parsed.error.issues });
      return write(parsed.value, null);
    },

    /** Replaces a draft's definition; its author and history stay. */
    async updateCampaign(
      id: string,
      input: unknown,
      options: ActOptions,
    ): Promise<Result<StoredCampaign, CampaignError>> {
      const userError = checkUser(options.by);
      if (userError) return err(userError);
      const definition = definitionOf(input);
      if (!definition.ok) return definition;
      if ('id' in definition.value && definition.value.id !== id)
        return err(invalid('id', `must be "${id}", the campaign's id, or left out`));
      const found = await findCampaign(id);
      if (!found.ok) return found;
      const { campaign, version } = found.value;
      const expected = options.expectedVersion ?? version;
      if (expected !== version) return err(stale(`campaign "${id}"`, expected, version));
      if (!isEditable(campaign))
        return err({
          type: 'conflict',
          reason: 'not_a_draft',
          message: `campaign "${id}" is ${campaign.status}; only a draft may be edited (reject sends a pending one back to draft)`,
        });
      const parsed = parseCampaign(
        {
          ...definition.value,
          id,
          status: 'draft',
          createdBy: campaign.createdBy,
          history: campaign.history,
        },
        await context(),
      );
      if (!parsed.ok) return err({ type: 'invalid_input', issues: parsed.error.issues });
      return write(parsed.value, expected);
    },

    listCampaigns: (filter: { readonly status?: CampaignStatus | undefined } = {}) =>
      campaigns.listCampaigns(filter),

    showCampaign: findCampaign,

    /** Deletes a draft; a campaign that was ever submitted is kept for its record. */
    async deleteCampaign(
      id: string,
      options: { readonly expectedVersion?: number | undefined } = {},
    ): Promise<Result<true, CampaignError>> {
      const found = await findCampaign(id);
      if (!found.ok) return found;
      const { campaign, version } = found.value;
      if (!isEditable(campaign))
        return err({
          type: 'conflict',
          reason: 'not_a_draft',
          message: `campaign "${id}" is ${campaign.status}; only a draft may be deleted`,
        });
      const expected = options.expectedVersion ?? version;
      const deleted = await campaigns.deleteCampaign(id, { expectedVersion: expected });
      if (!deleted.ok) return err(stale(`campaign "${id}"`, expected, deleted.error.actual));
      return deleted.value ? ok(true) : err({ type: 'not_found', message: `no campaign "${id}"` });
    },

    /** Moves a campaign along its lifecycle; approval needs someone other than author and submitter. */
    act,

    // Gallery ----------------------------------------------------------------------------------
    async templates(): Promise<readonly CampaignTemplateEntry[]> {
      const offers = await offerMap();
      const ctx = await context(offers);
      return CAMPAIGN_TEMPLATE_KEYS.map((key) => templateEntry(key, ctx, offers));
    },

    /**
     * A draft campaign from a gallery scenario, with the scenario's offer created when no offer of
     * its id exists yet (an existing one is used as it is).
     */
    async fromTemplate(
      key: string,
      options: FromTemplateOptions,
    ): Promise<
      Result<
        { readonly campaign: StoredCampaign; readonly offer: StoredOffer; readonly offerCreated: boolean },
        CampaignError
      >
    > {
      if (!isTemplateKey(key))
        return err({
          type: 'not_found',
          message: `no campaign template "${key}"; there are ${CAMPAIGN_TEMPLATE_KEYS.join(', ')}`,
        });
      const userError = checkUser(options.by);
      if (userError) return err(userError);
      const offers = await offerMap();
      const ctx = await context(offers);
      const entry = templateEntry(key, ctx, offers);
      if (!entry.available)
        return err({
          type: 'conflict',
          reason: 'template_unavailable',
          message: `template "${key}" does not fit this workspace: ${entry.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
          issues: entry.issues,
        });
      if ((await campaigns.getCampaign(options.id)) !== null)
        return err({
          type: 'conflict',
          reason: 'already_exists',
          message: `campaign "${options.id}" already exists`,
        });
      const offerId = CAMPAIGN_TEMPLATES[key].offer.id;
      const existing = offers.get(offerId);
      let offer: Offer;
      if (existing === undefined) {
        const parsedOffer = parseOffer(
          offerFromTemplate(key, { validFrom: options.validFrom ?? today(), validTo: options.validTo }),
          ctx,
        );
        if (!parsedOffer.ok)
          return err({
            type: 'invalid_input',
            issues: parsedOffer.error.issues.map((issue) => ({ ...issue, path: `offer.${issue.path}` })),
          });
        offer = parsedOffer.value;
      } else {
        offer = existing;
      }
      const parsed = parseCampaign(
        campaignFromTemplate(key, {
          id: options.id,
          createdBy: options.by,
          ...(options.locale === undefined ? {} : { locale: options.locale }),
          ...(options.channel === undefined ? {} : { channel: options.channel }),
        }),
        { ...ctx, offers: new Map([...offers, [offer.id, offer]]) },
      );
      if (!parsed.ok) return err({ type: 'invalid_input', issues: parsed.error.issues });
      const storedOffer =
        existing === undefined
          ? await campaigns.saveOffer(offer, deps.clock())
          : await campaigns.getOffer(offerId);
      if (storedOffer === null)
        return err({
          type: 'conflict',
          reason: 'deleted_meanwhile',
          message: `offer "${offerId}" was deleted meanwhile`,
        });
      const saved = await write(parsed.value, null);
      if (!saved.ok) return saved;
      return ok({ campaign: saved.value, offer: storedOffer, offerCreated: existing === undefined });
    },

    // Universal control group ------------------------------------------------------------------
    showUcg: ucgSettings,

    /** Draws a new UCG salt (and optionally share); the previous one is kept with its period. */
    async rotateUcg(options: {
      readonly by: string;
      readonly share?: number | undefined;
    }): Promise<Result<UcgSettings, CampaignError>> {
      const userError = checkUser(options.by);
      if (userError) return err(userError);
      if (options.share !== undefined) {
        const share = SharePercent.safeParse(options.share);
        if (!share.success) return err(invalid('share', share.error.issues[0]?.message ?? 'is not a share'));
      }
      const current = await ucgSettings();
      const at = deps.clock();
      const rotated = rotateUcg(current, { newSalt: deps.randomId(), at, share: options.share });
      if (!rotated.ok) {
        return err({
          type: 'conflict',
          reason: 'ucg_not_rotatable',
          message:
            rotated.error.type === 'salt_reused'
              ? 'the new salt was used before; rotate again'
              : `the UCG was last drawn at ${rotated.error.rotatedAt}; a rotation must come after it`,
        });
      }
      const saved = await campaigns.saveUcgSettings(rotated.value, {
        expectedRotatedAt: current.rotatedAt,
        at,
      });
      return saved.ok
        ? saved
        : err({
            type: 'conflict',
            reason: 'stale_version',
            message: 'the UCG was rotated meanwhile; show it and try again',
          });
    },
  };
};

export type CampaignService = ReturnType<typeof campaignService>;
