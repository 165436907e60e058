export interface AuditTarget {
  readonly type: string;
  readonly id: string;
}

export interface AuditRecord {
  readonly at: string;
  /** The principal's name: a user name, `key:<name>`, or the operator at the CLI. */
  readonly actor: string;
  /** `<thing>.<verb>`, e.g. `campaign.approve`, `user.create`. */
  readonly action: string;
  readonly target: AuditTarget | null;
  /** The thing before and after the change (JSON values; null when it did not exist). */
  readonly before: unknown;
  readonly after: unknown;
}

export interface AuditEntry extends AuditRecord {
  /** 1, 2, 3, … without gaps. */
  readonly seq: number;
  /** The previous entry's hash; 64 zeros for the first. */
  readonly prevHash: string;
  /** SHA-256 over the previous hash and this entry's canonical JSON. */
  readonly hash: string;
}

export interface AuditQuery {
  /** Entries with a smaller seq (paging backwards from the newest). */
  readonly beforeSeq?: number;
  readonly limit: number;
  readonly actor?: string;
  readonly action?: string;
  readonly targetType?: string;
  readonly targetId?: string;
}

export type AuditVerification =
  | { readonly ok: true; readonly entries: number; readonly lastHash: string }
  | { readonly ok: false; readonly entries: number; readonly seq: number; readonly reason: string };

/** Append-only and hash-chained: every entry's hash covers the one before it. */
export interface AuditStore {
  /** Appends one entry at the end of the chain; concurrent appends are serialized. */
  append(record: AuditRecord): Promise<AuditEntry>;
  /** Newest first. */
  list(query: AuditQuery): Promise<readonly AuditEntry[]>;
  /** Recomputes the chain from the first entry and names the first entry that does not match. */
  verify(): Promise<AuditVerification>;
}
