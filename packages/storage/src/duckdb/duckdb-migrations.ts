import { CHANNELS, PURPOSES } from '@opencvm/core';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

const consentColumns = CHANNELS.flatMap((channel) =>
  PURPOSES.map((purpose) => `consent_${channel}_${purpose} BOOLEAN`),
);

/**
 * Versioned and append-only: a released migration is never edited; a change is a new entry.
 * Declared attributes are not here: they become columns when the workspace schema is applied.
 * The data tables carry no primary key: DuckDB keeps indexes in memory and they slow bulk loads
 * many times over. Keys stay unique because imports run one at a time in the one process that
 * holds the file: customers and relations are merged on their key, events are de-duplicated.
 * Compression is chosen for the columns whose kind is known: choosing costs more at write time
 * than it saves (event ids are unique, so no dictionary fits; types, currencies and customer ids
 * repeat, so one always does).
 */
export const DUCKDB_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'customers, events, relations, imports',
    statements: [
      `CREATE TABLE workspace_schema (id INTEGER PRIMARY KEY, definition JSON NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`,
      `CREATE TABLE customers (
        id VARCHAR NOT NULL,
        timezone VARCHAR,
        locale VARCHAR,
        msisdn VARCHAR,
        email VARCHAR,
        push_token VARCHAR,
        ${consentColumns.join(',\n        ')},
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE events (
        id VARCHAR USING COMPRESSION uncompressed NOT NULL,
        customer_id VARCHAR USING COMPRESSION dictionary NOT NULL,
        type VARCHAR USING COMPRESSION dictionary NOT NULL,
        ts TIMESTAMPTZ NOT NULL,
        amount DECIMAL(18,4),
        currency VARCHAR USING COMPRESSION dictionary,
        imported_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE relations (
        src VARCHAR NOT NULL,
        dst VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        weight DOUBLE NOT NULL DEFAULT 1,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE import_runs (
        id VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ NOT NULL,
        seconds DOUBLE NOT NULL,
        read BIGINT NOT NULL,
        inserted BIGINT NOT NULL,
        updated BIGINT NOT NULL,
        unchanged BIGINT NOT NULL,
        duplicates BIGINT NOT NULL,
        rejected BIGINT NOT NULL,
        error VARCHAR
      )`,
    ],
  },
  {
    version: 2,
    name: 'segments, snapshots, lists, features',
    statements: [
      `CREATE TABLE segments (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        description VARCHAR,
        version INTEGER NOT NULL,
        definition JSON NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE segment_versions (
        segment_id VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        name VARCHAR NOT NULL,
        description VARCHAR,
        definition JSON NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (segment_id, version)
      )`,
      `CREATE TABLE segment_snapshots (
        id VARCHAR PRIMARY KEY,
        segment_id VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        taken_at TIMESTAMPTZ NOT NULL,
        size BIGINT NOT NULL,
        entered BIGINT,
        "left" BIGINT,
        previous_id VARCHAR
      )`,
      // No key: members are written a million at a time and only read by snapshot id.
      `CREATE TABLE segment_snapshot_members (snapshot_id VARCHAR NOT NULL, customer_id VARCHAR NOT NULL)`,
      `CREATE TABLE lists (
        name VARCHAR PRIMARY KEY,
        size BIGINT NOT NULL,
        matched BIGINT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE list_members (list_name VARCHAR NOT NULL, customer_id VARCHAR NOT NULL)`,
      `CREATE TABLE customer_features (
        customer_id VARCHAR NOT NULL,
        rfm_recency_days BIGINT,
        rfm_frequency BIGINT,
        rfm_monetary DECIMAL(18,4),
        rfm_r INTEGER,
        rfm_f INTEGER,
        rfm_m INTEGER,
        rfm_score INTEGER
      )`,
      `CREATE TABLE feature_refreshes (
        refreshed_at TIMESTAMPTZ NOT NULL,
        as_of TIMESTAMPTZ NOT NULL,
        customers BIGINT NOT NULL,
        window_days INTEGER NOT NULL,
        event_types JSON NOT NULL
      )`,
    ],
  },
  {
    version: 3,
    name: 'snapshot order',
    statements: [
      // Snapshots taken within the same instant still have an order: the order they were taken in.
      `ALTER TABLE segment_snapshots ADD COLUMN seq BIGINT`,
      `UPDATE segment_snapshots SET seq = ranked.seq FROM (SELECT id, row_number() OVER (ORDER BY taken_at, id) AS seq FROM segment_snapshots) ranked WHERE ranked.id = segment_snapshots.id`,
    ],
  },
  {
    version: 4,
    name: 'offers, campaigns, universal control group',
    statements: [
      `CREATE TABLE offers (
        id VARCHAR PRIMARY KEY,
        definition JSON NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE campaigns (
        id VARCHAR PRIMARY KEY,
        status VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        definition JSON NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE INDEX campaigns_status ON campaigns (status)`,
      // One row: the workspace's settings; rotated_at guards concurrent first uses and rotations.
      `CREATE TABLE ucg_settings (
        id INTEGER PRIMARY KEY,
        rotated_at VARCHAR NOT NULL,
        settings JSON NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
    ],
  },
  {
    version: 5,
    name: 'campaign runs, contact history, outbox',
    statements: [
      `CREATE TABLE campaign_runs (
        id VARCHAR PRIMARY KEY,
        campaign_id VARCHAR NOT NULL,
        campaign_version INTEGER NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ,
        status VARCHAR NOT NULL,
        dry_run BOOLEAN NOT NULL,
        due_at TIMESTAMPTZ,
        funnel JSON
      )`,
      // Big tables without keys (indexes live in memory and slow bulk writes): writes are
      // de-duplicated by anti-joins inside their transaction, as event imports are.
      `CREATE TABLE run_members (run_id VARCHAR NOT NULL, customer_id VARCHAR NOT NULL, grp VARCHAR NOT NULL, seq BIGINT NOT NULL)`,
      `CREATE TABLE contact_history (
        run_id VARCHAR NOT NULL,
        campaign_id VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        outcome VARCHAR NOT NULL,
        offer_id VARCHAR,
        channel VARCHAR NOT NULL,
        send_at TIMESTAMPTZ,
        recorded_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE outbox (
        run_id VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        step VARCHAR NOT NULL,
        campaign_id VARCHAR NOT NULL,
        offer_id VARCHAR,
        channel VARCHAR NOT NULL,
        purpose VARCHAR NOT NULL,
        recipient VARCHAR NOT NULL,
        content JSON NOT NULL,
        status VARCHAR NOT NULL,
        send_at TIMESTAMPTZ NOT NULL,
        priority INTEGER NOT NULL,
        expected_value VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
      )`,
    ],
  },
  {
    version: 6,
    name: 'delivery: claims, outcomes, receipts, consent changes, settings',
    statements: [
      'ALTER TABLE outbox ADD COLUMN attempts INTEGER DEFAULT 0',
      'ALTER TABLE outbox ADD COLUMN in_doubt BOOLEAN DEFAULT false',
      'ALTER TABLE outbox ADD COLUMN next_attempt_at TIMESTAMPTZ',
      'ALTER TABLE outbox ADD COLUMN claimed_by VARCHAR',
      'ALTER TABLE outbox ADD COLUMN claimed_until TIMESTAMPTZ',
      'ALTER TABLE outbox ADD COLUMN provider_id VARCHAR',
      'ALTER TABLE outbox ADD COLUMN last_error VARCHAR',
      'ALTER TABLE outbox ADD COLUMN sent_at TIMESTAMPTZ',
      'ALTER TABLE outbox ADD COLUMN finished_at TIMESTAMPTZ',
      'ALTER TABLE contact_history ADD COLUMN delivery_status VARCHAR',
      'ALTER TABLE contact_history ADD COLUMN delivery_at TIMESTAMPTZ',
      `CREATE TABLE delivery_receipts (
        channel VARCHAR NOT NULL,
        provider_id VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        reason VARCHAR,
        reported_at TIMESTAMPTZ NOT NULL,
        received_at TIMESTAMPTZ NOT NULL,
        applied BOOLEAN NOT NULL
      )`,
      `CREATE TABLE consent_changes (
        customer_id VARCHAR NOT NULL,
        channel VARCHAR NOT NULL,
        purpose VARCHAR NOT NULL,
        consent BOOLEAN NOT NULL,
        source VARCHAR NOT NULL,
        detail VARCHAR,
        changed_at TIMESTAMPTZ NOT NULL
      )`,
      'CREATE TABLE workspace_settings (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)',
    ],
  },
  {
    version: 7,
    name: 'accounts, audit log, idempotency keys',
    // Small tables written a row at a time: keys and indexes cost nothing here and keep them exact.
    statements: [
      `CREATE TABLE users (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL UNIQUE,
        display_name VARCHAR,
        role VARCHAR NOT NULL,
        password_hash VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        disabled_at TIMESTAMPTZ
      )`,
      `CREATE TABLE sessions (
        token_hash VARCHAR PRIMARY KEY,
        user_id VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        absolute_expires_at TIMESTAMPTZ NOT NULL,
        revoked_at TIMESTAMPTZ
      )`,
      'CREATE INDEX sessions_user ON sessions (user_id)',
      // No partial indexes in DuckDB: a live key's name is checked when it is created.
      `CREATE TABLE api_keys (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        key_hash VARCHAR NOT NULL UNIQUE,
        scope VARCHAR NOT NULL,
        created_by VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        last_used_at TIMESTAMPTZ,
        revoked_at TIMESTAMPTZ
      )`,
      // recorded_at, before_json and after_json are the exact text the entry's hash covers.
      `CREATE TABLE audit_log (
        seq BIGINT PRIMARY KEY,
        recorded_at VARCHAR NOT NULL,
        actor VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        target_type VARCHAR,
        target_id VARCHAR,
        before_json VARCHAR NOT NULL,
        after_json VARCHAR NOT NULL,
        prev_hash VARCHAR NOT NULL,
        hash VARCHAR NOT NULL
      )`,
      'CREATE INDEX audit_log_actor ON audit_log (actor)',
      'CREATE INDEX audit_log_target ON audit_log (target_type, target_id)',
      `CREATE TABLE idempotency_keys (
        caller VARCHAR NOT NULL,
        key VARCHAR NOT NULL,
        request_hash VARCHAR NOT NULL,
        state VARCHAR NOT NULL,
        response_status INTEGER,
        response_body VARCHAR,
        claimed_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (caller, key)
      )`,
    ],
  },
  {
    version: 8,
    name: 'journeys: definitions, entries, steps, pending triggers, segment membership',
    // Written a few rows at a time: keys cost little here. Only columns that never change are
    // indexed (DuckDB rewrites an updated indexed column as a delete and an insert).
    statements: [
      `CREATE TABLE journeys (
        id VARCHAR PRIMARY KEY,
        status VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        definition JSON NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE journey_versions (
        journey_id VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        definition JSON NOT NULL,
        PRIMARY KEY (journey_id, version)
      )`,
      `CREATE TABLE journey_entries (
        id VARCHAR PRIMARY KEY,
        journey_id VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        customer_id VARCHAR NOT NULL,
        entry_key VARCHAR NOT NULL,
        grp VARCHAR NOT NULL,
        entered_at TIMESTAMPTZ NOT NULL,
        status VARCHAR NOT NULL,
        node VARCHAR,
        since TIMESTAMPTZ,
        wake_at TIMESTAMPTZ,
        awaiting VARCHAR,
        memory JSON NOT NULL,
        exit_reason VARCHAR,
        exit_node VARCHAR,
        exit_detail VARCHAR,
        left_at TIMESTAMPTZ,
        rev INTEGER NOT NULL,
        claimed_by VARCHAR,
        claimed_until TIMESTAMPTZ
      )`,
      'CREATE INDEX journey_entries_customer ON journey_entries (customer_id)',
      'CREATE INDEX journey_entries_journey ON journey_entries (journey_id)',
      `CREATE TABLE journey_steps (
        entry_id VARCHAR NOT NULL,
        journey_id VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        customer_id VARCHAR NOT NULL,
        node VARCHAR NOT NULL,
        step_at TIMESTAMPTZ NOT NULL,
        outcome VARCHAR NOT NULL
      )`,
      'CREATE INDEX journey_steps_entry ON journey_steps (entry_id)',
      `CREATE TABLE journey_triggers (
        journey_id VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        entry_key VARCHAR NOT NULL,
        due_at TIMESTAMPTZ NOT NULL,
        claimed_by VARCHAR,
        claimed_until TIMESTAMPTZ,
        PRIMARY KEY (journey_id, customer_id)
      )`,
      `CREATE TABLE journey_segment_members (
        journey_id VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        PRIMARY KEY (journey_id, customer_id)
      )`,
    ],
  },
];
