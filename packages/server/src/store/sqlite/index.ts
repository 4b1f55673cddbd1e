// The SQLite job store: the default, single-node backend of the JobStore contract.
export { SqliteJobStore, openSqliteJobStore, type SqliteJobStoreOptions } from './sqlite-job-store.js';
