// The composition root's one choice of store implementation, from configuration.
import type { StoreConfig } from '../config/config-schema.js';
import type { JobStore } from '../store/job-store.js';
import { openSqliteJobStore } from '../store/sqlite/sqlite-job-store.js';

export function openStore(config: StoreConfig): Promise<JobStore> {
  switch (config.kind) {
    case 'sqlite':
      return Promise.resolve(openSqliteJobStore({ path: config.path, synchronous: config.synchronous }));
    case 'redis':
      return Promise.reject(new Error('the redis store is not available in this build yet; use store.kind "sqlite"'));
  }
}
