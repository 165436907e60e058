export { DuckDbStore, type DuckDbStoreOptions } from './duckdb/duckdb-store.ts';
export { PostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.ts';
