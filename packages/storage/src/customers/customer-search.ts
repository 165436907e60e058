import {
  type CustomerContact,
  type CustomerMatch,
  type CustomerStore,
  type FieldValue,
  normalizeMsisdn,
  type WorkspaceSchema,
} from '@opencvm/core';
import { fieldValue, readExpression } from '../sql/read-sql.ts';
import type { SqlExecutor } from '../sql/sql-executor.ts';
import { attributeColumns } from '../store/schema-columns.ts';

/** Declared attributes a search result shows beside the contact points: the first ones declared. */
export const SEARCH_ATTRIBUTES = 4;

/** Searches longer than this match nothing: no id, number or address is that long. */
const MAX_SEARCH_LENGTH = 320;

/** `LIKE` with the text as a literal prefix: `%`, `_` and the escape character are escaped. */
export const likePrefix = (text: string): string => `${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;

/** The msisdn as stored (`+79123456789`) for a number written with or without separators. */
export const msisdnOf = (text: string): string | null => {
  const normalized = normalizeMsisdn(text);
  return normalized.ok ? normalized.value : null;
};

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

/**
 * Customer search and contact history in SQL both engines run. Ids are matched by prefix (an
 * index range under PostgreSQL's "C" collation), msisdn and e-mail exactly: the row validator
 * stores numbers as `+digits` and addresses in lower case, so the search text is put in the same
 * form and the indexes on both columns serve it.
 */
export class SqlCustomerStore implements CustomerStore {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly workspace: () => WorkspaceSchema,
  ) {}

  async search(query: {
    readonly text: string;
    readonly contactPoints: boolean;
    readonly limit: number;
  }): Promise<readonly CustomerMatch[]> {
    const limit = Math.max(0, Math.floor(query.limit));
    if (query.text === '' || query.text.length > MAX_SEARCH_LENGTH || limit === 0) return [];
    const dialect = this.sql.dialect;
    const attributes = attributeColumns(this.workspace(), 'customers').slice(0, SEARCH_ATTRIBUTES);
    const params: string[] = [likePrefix(query.text)];
    const conditions = [`id LIKE $1 ESCAPE '\\'`];
    if (query.contactPoints) {
      const msisdn = msisdnOf(query.text);
      if (msisdn !== null) {
        params.push(msisdn);
        conditions.push(`msisdn = $${params.length}`);
      }
      if (query.text.includes('@')) {
        params.push(query.text.toLowerCase());
        conditions.push(`email = $${params.length}`);
      }
    }
    const columns = [
      'id',
      'msisdn',
      'email',
      'locale',
      ...attributes.map((spec) => readExpression(spec.name, spec.type, dialect)),
    ];
    const rows = await this.sql.all(
      `SELECT ${columns.join(', ')} FROM customers WHERE ${conditions.join(' OR ')} ORDER BY id LIMIT ${limit}`,
      params,
    );
    return rows.map((row) => {
      const values: Record<string, FieldValue> = {};
      for (const spec of attributes) values[spec.name] = fieldValue(row[spec.name], spec.type);
      return {
        id: String(row.id),
        msisdn: text(row.msisdn),
        email: text(row.email),
        locale: text(row.locale),
        attributes: values,
      };
    });
  }

  async contacts(
    customerId: string,
    options: { readonly limit: number },
  ): Promise<readonly CustomerContact[]> {
    const dialect = this.sql.dialect;
    const limit = Math.max(0, Math.floor(options.limit));
    const rows = await this.sql.all(
      `SELECT h.run_id, h.campaign_id, ${dialect.jsonFieldText('c.definition', 'name')} AS campaign_name,
              h.offer_id, ${dialect.jsonFieldText('o.definition', 'name')} AS offer_name, h.channel, h.outcome,
              h.delivery_status, ${dialect.isoText('h.delivery_at')} AS delivery_at,
              ${dialect.isoText('h.send_at')} AS send_at, ${dialect.isoText('h.recorded_at')} AS recorded_at
         FROM contact_history h
         LEFT JOIN campaigns c ON c.id = h.campaign_id
         LEFT JOIN offers o ON o.id = h.offer_id
        WHERE h.customer_id = $1
        ORDER BY h.recorded_at DESC, h.run_id DESC
        LIMIT ${limit}`,
      [customerId],
    );
    return rows.map((row) => ({
      runId: String(row.run_id),
      campaignId: String(row.campaign_id),
      campaignName: text(row.campaign_name),
      offerId: text(row.offer_id),
      offerName: text(row.offer_name),
      channel: String(row.channel),
      outcome: String(row.outcome),
      deliveryStatus: text(row.delivery_status),
      deliveryAt: text(row.delivery_at),
      sendAt: text(row.send_at),
      recordedAt: String(row.recorded_at),
    }));
  }
}
