import { CHANNELS, PURPOSES } from '@opencvm/core';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

const consentColumns = CHANNELS.flatMap((channel) =>
  PURPOSES.map((purpose) => `consent_${channel}_${purpose} boolean`),
);

/**
 * Versioned and append-only: a released migration is never edited; a change is a new entry.
 * Declared attributes are not here: they become columns when the workspace schema is applied.
 *
 * Every customer-owned table is keyed by `customer_id` first (events) or by the customer id
 * itself, so it can later be distributed by it (Citus-style) without changing a key.
 * Identifiers use the "C" collation: they are opaque, byte order is what DuckDB uses too, and
 * it is several times cheaper to sort and compare than a linguistic collation (which also
 * disables abbreviated sort keys), which matters to the index builds of bulk imports.
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'customers, events, relations, imports',
    statements: [
      `CREATE TABLE workspace_schema (id integer PRIMARY KEY, definition jsonb NOT NULL, applied_at timestamptz NOT NULL)`,
      `CREATE TABLE customers (
        id text COLLATE "C" NOT NULL,
        timezone text,
        locale text,
        msisdn text,
        email text,
        push_token text,
        ${consentColumns.join(',\n        ')},
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT customers_pkey PRIMARY KEY (id)
      )`,
      `CREATE TABLE events (
        id text COLLATE "C" NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        type text NOT NULL,
        ts timestamptz NOT NULL,
        amount numeric(18,4),
        currency text,
        imported_at timestamptz NOT NULL,
        CONSTRAINT events_pkey PRIMARY KEY (customer_id, id)
      )`,
      // A customer's timeline is read through the key's customer_id prefix; time windows over all
      // customers scan by ts, which a BRIN index serves at a fraction of a B-tree's build cost.
      `CREATE INDEX events_ts ON events USING brin (ts)`,
      `CREATE TABLE relations (
        src text COLLATE "C" NOT NULL,
        dst text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        weight double precision NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL,
        CONSTRAINT relations_pkey PRIMARY KEY (src, dst, kind)
      )`,
      `CREATE INDEX relations_dst ON relations (dst)`,
      `CREATE TABLE import_runs (
        id text PRIMARY KEY,
        kind text NOT NULL,
        source text NOT NULL,
        format text NOT NULL,
        status text NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL,
        seconds double precision NOT NULL,
        read bigint NOT NULL,
        inserted bigint NOT NULL,
        updated bigint NOT NULL,
        unchanged bigint NOT NULL,
        duplicates bigint NOT NULL,
        rejected bigint NOT NULL,
        error text
      )`,
      `CREATE INDEX import_runs_started ON import_runs (started_at DESC, id DESC)`,
    ],
  },
  {
    version: 2,
    name: 'segments, snapshots, lists, features',
    statements: [
      `CREATE TABLE segments (
        id text PRIMARY KEY,
        name text NOT NULL,
        description text,
        version integer NOT NULL,
        definition jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE TABLE segment_versions (
        segment_id text NOT NULL,
        version integer NOT NULL,
        name text NOT NULL,
        description text,
        definition jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (segment_id, version)
      )`,
      `CREATE TABLE segment_snapshots (
        id text PRIMARY KEY,
        segment_id text NOT NULL,
        version integer NOT NULL,
        taken_at timestamptz NOT NULL,
        size bigint NOT NULL,
        entered bigint,
        "left" bigint,
        previous_id text
      )`,
      `CREATE INDEX segment_snapshots_segment ON segment_snapshots (segment_id, taken_at DESC)`,
      `CREATE TABLE segment_snapshot_members (
        snapshot_id text NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        PRIMARY KEY (snapshot_id, customer_id)
      )`,
      `CREATE TABLE lists (
        name text PRIMARY KEY,
        size bigint NOT NULL,
        matched bigint NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE TABLE list_members (
        list_name text NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        PRIMARY KEY (list_name, customer_id)
      )`,
      `CREATE TABLE customer_features (
        customer_id text COLLATE "C" PRIMARY KEY,
        rfm_recency_days bigint,
        rfm_frequency bigint,
        rfm_monetary numeric(18,4),
        rfm_r integer,
        rfm_f integer,
        rfm_m integer,
        rfm_score integer
      )`,
      `CREATE TABLE feature_refreshes (
        refreshed_at timestamptz NOT NULL,
        as_of timestamptz NOT NULL,
        customers bigint NOT NULL,
        window_days integer NOT NULL,
        event_types jsonb NOT NULL
      )`,
    ],
  },
  {
    version: 3,
    name: 'snapshot order',
    statements: [
      // Snapshots taken within the same instant still have an order: the order they were taken in.
      `ALTER TABLE segment_snapshots ADD COLUMN seq bigint`,
      `UPDATE segment_snapshots SET seq = ranked.seq FROM (SELECT id, row_number() OVER (ORDER BY taken_at, id) AS seq FROM segment_snapshots) ranked WHERE ranked.id = segment_snapshots.id`,
    ],
  },
  {
    version: 4,
    name: 'offers, campaigns, universal control group',
    statements: [
      `CREATE TABLE offers (
        id text PRIMARY KEY,
        definition jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE TABLE campaigns (
        id text PRIMARY KEY,
        status text NOT NULL,
        version integer NOT NULL,
        definition jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE INDEX campaigns_status ON campaigns (status)`,
      // One row: the workspace's settings; rotated_at guards concurrent first uses and rotations.
      `CREATE TABLE ucg_settings (
        id integer PRIMARY KEY,
        rotated_at text NOT NULL,
        settings jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
    ],
  },
  {
    version: 5,
    name: 'campaign runs, contact history, outbox',
    statements: [
      `CREATE TABLE campaign_runs (
        id text PRIMARY KEY,
        campaign_id text NOT NULL,
        campaign_version integer NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        status text NOT NULL,
        dry_run boolean NOT NULL,
        due_at timestamptz,
        funnel jsonb
      )`,
      `CREATE INDEX campaign_runs_campaign ON campaign_runs (campaign_id, started_at)`,
      // A scheduler starts a campaign once per due time, even when two of them race.
      `CREATE UNIQUE INDEX campaign_runs_due ON campaign_runs (campaign_id, due_at)`,
      `CREATE TABLE run_members (
        run_id text NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        grp text NOT NULL,
        seq bigint NOT NULL,
        PRIMARY KEY (run_id, grp, seq)
      )`,
      `CREATE TABLE contact_history (
        run_id text NOT NULL,
        campaign_id text NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        outcome text NOT NULL,
        offer_id text,
        channel text NOT NULL,
        send_at timestamptz,
        recorded_at timestamptz NOT NULL,
        PRIMARY KEY (run_id, customer_id)
      )`,
      `CREATE TABLE outbox (
        run_id text NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        step text NOT NULL,
        campaign_id text NOT NULL,
        offer_id text,
        channel text NOT NULL,
        purpose text NOT NULL,
        recipient text NOT NULL,
        content jsonb NOT NULL,
        status text NOT NULL,
        send_at timestamptz NOT NULL,
        priority integer NOT NULL,
        expected_value text NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (run_id, customer_id, step)
      )`,
      `CREATE INDEX outbox_customer ON outbox (customer_id, send_at)`,
    ],
  },
  {
    version: 6,
    name: 'delivery: claims, outcomes, receipts, consent changes, settings',
    statements: [
      `ALTER TABLE outbox
        ADD COLUMN attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN in_doubt boolean NOT NULL DEFAULT false,
        ADD COLUMN next_attempt_at timestamptz,
        ADD COLUMN claimed_by text,
        ADD COLUMN claimed_until timestamptz,
        ADD COLUMN provider_id text,
        ADD COLUMN last_error text,
        ADD COLUMN sent_at timestamptz,
        ADD COLUMN finished_at timestamptz`,
      // Dispatchers claim the best due messages of a channel; only unfinished rows are indexed.
      `CREATE INDEX outbox_due ON outbox (channel, priority DESC, send_at) WHERE status IN ('pending', 'sending')`,
      `CREATE INDEX outbox_provider ON outbox (provider_id) WHERE provider_id IS NOT NULL`,
      `CREATE INDEX outbox_dead ON outbox (run_id) WHERE status IN ('failed', 'bounced')`,
      `ALTER TABLE contact_history ADD COLUMN delivery_status text, ADD COLUMN delivery_at timestamptz`,
      `CREATE TABLE delivery_receipts (
        channel text NOT NULL,
        provider_id text NOT NULL,
        status text NOT NULL,
        reason text,
        reported_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        applied boolean NOT NULL
      )`,
      `CREATE INDEX delivery_receipts_waiting ON delivery_receipts (provider_id) WHERE NOT applied`,
      `CREATE TABLE consent_changes (
        customer_id text COLLATE "C" NOT NULL,
        channel text NOT NULL,
        purpose text NOT NULL,
        consent boolean NOT NULL,
        source text NOT NULL,
        detail text,
        changed_at timestamptz NOT NULL
      )`,
      `CREATE INDEX consent_changes_customer ON consent_changes (customer_id, changed_at)`,
      // Opt-outs name a phone number or an address, not a customer id.
      `CREATE INDEX customers_msisdn ON customers (msisdn)`,
      `CREATE INDEX customers_email ON customers (email)`,
      'CREATE TABLE workspace_settings (name text PRIMARY KEY, value text NOT NULL)',
    ],
  },
  {
    version: 7,
    name: 'accounts, audit log, idempotency keys',
    statements: [
      `CREATE TABLE users (
        id text PRIMARY KEY,
        name text NOT NULL UNIQUE,
        display_name text,
        role text NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        disabled_at timestamptz
      )`,
      `CREATE TABLE sessions (
        token_hash text PRIMARY KEY,
        user_id text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        absolute_expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`,
      'CREATE INDEX sessions_user ON sessions (user_id)',
      `CREATE TABLE api_keys (
        id text PRIMARY KEY,
        name text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        scope text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz,
        revoked_at timestamptz
      )`,
      // A revoked key's name may be given to a new key.
      'CREATE UNIQUE INDEX api_keys_live_name ON api_keys (name) WHERE revoked_at IS NULL',
      // recorded_at, before_json and after_json are the exact text the entry's hash covers: jsonb and
      // timestamptz would give back a different text than the one hashed.
      `CREATE TABLE audit_log (
        seq bigint PRIMARY KEY,
        recorded_at text NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        target_type text,
        target_id text,
        before_json text NOT NULL,
        after_json text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      )`,
      'CREATE INDEX audit_log_actor ON audit_log (actor, seq)',
      'CREATE INDEX audit_log_action ON audit_log (action, seq)',
      'CREATE INDEX audit_log_target ON audit_log (target_type, target_id, seq)',
      `CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'the audit log is append-only';
        END
      $$`,
      `CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`,
      `CREATE TABLE idempotency_keys (
        caller text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        state text NOT NULL,
        response_status integer,
        response_body text,
        claimed_at timestamptz NOT NULL,
        PRIMARY KEY (caller, key)
      )`,
      'CREATE INDEX idempotency_keys_claimed ON idempotency_keys (claimed_at)',
    ],
  },
  {
    version: 8,
    name: "contact history by customer (a customer's page)",
    statements: ['CREATE INDEX contact_history_customer ON contact_history (customer_id, recorded_at)'],
  },
  {
    version: 9,
    name: 'journeys: definitions, entries, steps, pending triggers, segment membership',
    statements: [
      `CREATE TABLE journeys (
        id text PRIMARY KEY,
        status text NOT NULL,
        version integer NOT NULL,
        definition jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE TABLE journey_versions (
        journey_id text NOT NULL,
        version integer NOT NULL,
        definition jsonb NOT NULL,
        PRIMARY KEY (journey_id, version)
      )`,
      `CREATE TABLE journey_entries (
        id text PRIMARY KEY,
        journey_id text NOT NULL,
        version integer NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        entry_key text NOT NULL,
        grp text NOT NULL,
        entered_at timestamptz NOT NULL,
        status text NOT NULL,
        node text,
        since timestamptz,
        wake_at timestamptz,
        awaiting text,
        memory jsonb NOT NULL,
        exit_reason text,
        exit_node text,
        exit_detail text,
        left_at timestamptz,
        rev integer NOT NULL,
        claimed_by text,
        claimed_until timestamptz
      )`,
      // What exactly-once rests on: one entry per trigger key, one active entry per customer.
      'CREATE UNIQUE INDEX journey_entries_key ON journey_entries (journey_id, customer_id, entry_key)',
      `CREATE UNIQUE INDEX journey_entries_active ON journey_entries (journey_id, customer_id) WHERE status = 'active'`,
      'CREATE INDEX journey_entries_customer ON journey_entries (customer_id, entered_at)',
      `CREATE INDEX journey_entries_due ON journey_entries (wake_at) WHERE status = 'active'`,
      `CREATE TABLE journey_steps (
        entry_id text NOT NULL,
        journey_id text NOT NULL,
        version integer NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        node text NOT NULL,
        step_at timestamptz NOT NULL,
        outcome text NOT NULL
      )`,
      'CREATE INDEX journey_steps_entry ON journey_steps (entry_id)',
      'CREATE INDEX journey_steps_journey ON journey_steps (journey_id, node)',
      `CREATE TABLE journey_triggers (
        journey_id text NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        entry_key text NOT NULL,
        due_at timestamptz NOT NULL,
        claimed_by text,
        claimed_until timestamptz,
        PRIMARY KEY (journey_id, customer_id)
      )`,
      'CREATE INDEX journey_triggers_due ON journey_triggers (due_at)',
      `CREATE TABLE journey_segment_members (
        journey_id text NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        PRIMARY KEY (journey_id, customer_id)
      )`,
    ],
  },
];
