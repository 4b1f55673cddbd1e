// The composition root's one choice of store implementation, from configuration.
import type { StoreConfig } from '../config/config-schema.js';
import type { JobStore } from '../store/job-store.js';
import { openRedisJobStore } from '../store/redis/redis-job-store.js';
import { openSqliteJobStore } from '../store/sqlite/sqlite-job-store.js';

export function openStore(config: StoreConfig): Promise<JobStore> {
  switch (config.kind) {
    case 'sqlite':
      return Promise.resolve(openSqliteJobStore({ path: config.path, synchronous: config.synchronous }));
    case 'redis':
      // Refuses to start (ERR_UNAVAILABLE, naming the URL) when Redis does not answer within a few seconds.
      return openRedisJobStore({
        url: config.url,
        prefix: config.prefix,
        ...(config.sentinel === undefined ? {} : { sentinel: config.sentinel }),
      });
  }
}
