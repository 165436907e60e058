import {
  Campaign,
  type CampaignStatus,
  type CampaignStore,
  err,
  Offer,
  ok,
  type Result,
  type StaleWrite,
  type StoredCampaign,
  type StoredOffer,
  UcgSettings,
} from '@opencvm/core';
import type { SqlExecutor, SqlRow } from '../sql/sql-executor.ts';

const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

/** The one row of `ucg_settings`: a workspace has one universal control group. */
const UCG_ROW = '1';

/**
 * Offers, campaigns and UCG settings in SQL both engines run. Documents are stored as validated
 * JSON and read back through the same schemas (a row that no longer parses is a bug, and throws);
 * the columns beside them are what queries filter and guard on. Optimistic writes are single
 * statements (`… WHERE version = $n RETURNING`), so no engine needs a lock for them.
 */
export class SqlCampaignStore implements CampaignStore {
  constructor(private readonly sql: SqlExecutor) {}

  private get json(): string {
    return this.sql.dialect.types.json;
  }

  private stamps(): string {
    const { dialect } = this.sql;
    return `${dialect.isoText('created_at')} AS created_at, ${dialect.isoText('updated_at')} AS updated_at`;
  }

  private offerFromRow(row: SqlRow): StoredOffer {
    return {
      offer: Offer.parse(json(row.definition)),
      createdAt: String(row.created_at),
      updatedAt: String(row.updated_at),
    };
  }

  private campaignFromRow(row: SqlRow): StoredCampaign {
    return {
      campaign: Campaign.parse(json(row.definition)),
      version: Number(row.version),
      createdAt: String(row.created_at),
      updatedAt: String(row.updated_at),
    };
  }

  async saveOffer(offer: Offer, at: Date): Promise<StoredOffer> {
    const params = [offer.id, JSON.stringify(offer), at.toISOString()];
    // A later save replaces the definition and keeps the first save's time.
    await this.sql.all(
      `INSERT INTO offers (id, definition, created_at, updated_at) VALUES ($1, CAST($2 AS ${this.json}), CAST($3 AS TIMESTAMPTZ), CAST($3 AS TIMESTAMPTZ)) ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
      params,
    );
    const saved = await this.getOffer(offer.id);
    if (saved === null) throw new Error(`offer ${offer.id} vanished after saving`);
    return saved;
  }

  async getOffer(id: string): Promise<StoredOffer | null> {
    const [row] = await this.sql.all(`SELECT definition, ${this.stamps()} FROM offers WHERE id = $1`, [id]);
    return row === undefined ? null : this.offerFromRow(row);
  }

  async listOffers(): Promise<readonly StoredOffer[]> {
    const rows = await this.sql.all(`SELECT definition, ${this.stamps()} FROM offers ORDER BY id`);
    return rows.map((row) => this.offerFromRow(row));
  }

  async deleteOffer(id: string): Promise<boolean> {
    const rows = await this.sql.all('DELETE FROM offers WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }

  private async campaignVersion(id: string): Promise<number | null> {
    const [row] = await this.sql.all('SELECT version FROM campaigns WHERE id = $1', [id]);
    return row === undefined ? null : Number(row.version);
  }

  private async stale(id: string, expected: number | null): Promise<Result<never, StaleWrite>> {
    return err({ type: 'conflict', expected, actual: await this.campaignVersion(id) });
  }

  async saveCampaign(
    campaign: Campaign,
    options: { readonly expectedVersion: number | null; readonly at: Date },
  ): Promise<Result<StoredCampaign, StaleWrite>> {
    const { expectedVersion } = options;
    const definition = JSON.stringify(campaign);
    const stamp = options.at.toISOString();
    const written =
      expectedVersion === null
        ? await this.sql.all(
            `INSERT INTO campaigns (id, status, version, definition, created_at, updated_at) VALUES ($1, $2, 1, CAST($3 AS ${this.json}), CAST($4 AS TIMESTAMPTZ), CAST($4 AS TIMESTAMPTZ)) ON CONFLICT (id) DO NOTHING RETURNING id`,
            [campaign.id, campaign.status, definition, stamp],
          )
        : await this.sql.all(
            `UPDATE campaigns SET status = $2, version = version + 1, definition = CAST($3 AS ${this.json}), updated_at = CAST($4 AS TIMESTAMPTZ) WHERE id = $1 AND version = CAST($5 AS INTEGER) RETURNING id`,
            [campaign.id, campaign.status, definition, stamp, String(expectedVersion)],
          );
    if (written.length === 0) return this.stale(campaign.id, expectedVersion);
    const saved = await this.getCampaign(campaign.id);
    if (saved === null) throw new Error(`campaign ${campaign.id} vanished after saving`);
    return ok(saved);
  }

  async getCampaign(id: string): Promise<StoredCampaign | null> {
    const [row] = await this.sql.all(
      `SELECT version, definition, ${this.stamps()} FROM campaigns WHERE id = $1`,
      [id],
    );
    return row === undefined ? null : this.campaignFromRow(row);
  }

  async listCampaigns(
    filter: { readonly status?: CampaignStatus | undefined } = {},
  ): Promise<readonly StoredCampaign[]> {
    const columns = `SELECT version, definition, ${this.stamps()} FROM campaigns`;
    const rows =
      filter.status === undefined
        ? await this.sql.all(`${columns} ORDER BY id`)
        : await this.sql.all(`${columns} WHERE status = $1 ORDER BY id`, [filter.status]);
    return rows.map((row) => this.campaignFromRow(row));
  }

  async deleteCampaign(
    id: string,
    options: { readonly expectedVersion: number },
  ): Promise<Result<boolean, StaleWrite>> {
    const deleted = await this.sql.all(
      'DELETE FROM campaigns WHERE id = $1 AND version = CAST($2 AS INTEGER) RETURNING id',
      [id, String(options.expectedVersion)],
    );
    if (deleted.length > 0) return ok(true);
    const actual = await this.campaignVersion(id);
    return actual === null ? ok(false) : err({ type: 'conflict', expected: options.expectedVersion, actual });
  }

  async getUcgSettings(): Promise<UcgSettings | null> {
    const [row] = await this.sql.all('SELECT settings FROM ucg_settings WHERE id = CAST($1 AS INTEGER)', [
      UCG_ROW,
    ]);
    return row === undefined ? null : UcgSettings.parse(json(row.settings));
  }

  async saveUcgSettings(
    settings: UcgSettings,
    options: { readonly expectedRotatedAt: string | null; readonly at: Date },
  ): Promise<Result<UcgSettings, StaleWrite>> {
    const { expectedRotatedAt } = options;
    const params = [UCG_ROW, settings.rotatedAt, JSON.stringify(settings), options.at.toISOString()];
    const written =
      expectedRotatedAt === null
        ? await this.sql.all(
            `INSERT INTO ucg_settings (id, rotated_at, settings, updated_at) VALUES (CAST($1 AS INTEGER), $2, CAST($3 AS ${this.json}), CAST($4 AS TIMESTAMPTZ)) ON CONFLICT (id) DO NOTHING RETURNING id`,
            params,
          )
        : await this.sql.all(
            `UPDATE ucg_settings SET rotated_at = $2, settings = CAST($3 AS ${this.json}), updated_at = CAST($4 AS TIMESTAMPTZ) WHERE id = CAST($1 AS INTEGER) AND rotated_at = $5 RETURNING id`,
            [...params, expectedRotatedAt],
          );
    if (written.length > 0) return ok(settings);
    const current = await this.getUcgSettings();
    return err({ type: 'conflict', expected: expectedRotatedAt, actual: current?.rotatedAt ?? null });
  }
}
