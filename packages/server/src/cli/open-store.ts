// The composition root's one choice of store implementation, from configuration.
import type { StoreConfig } from '../config/config-schema.js';
import type { JobHistory } from '../store/job-history.js';
import type { JobLogStore } from '../store/job-log-store.js';
import type { SluiceStore } from '../store/sluice-store.js';
import { openRedisJobHistory } from '../store/redis/redis-job-history.js';
import { openRedisJobLogStore } from '../store/redis/redis-job-log-store.js';
import { openSqliteJobHistory } from '../store/sqlite/sqlite-job-history.js';
import { openSqliteJobLogStore } from '../store/sqlite/sqlite-job-log-store.js';
import { openRedisJobStore } from '../store/redis/redis-job-store.js';
import { openSqliteJobStore } from '../store/sqlite/sqlite-job-store.js';

export function openStore(config: StoreConfig): Promise<SluiceStore> {
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

export interface HistoryStores {
  history: JobHistory;
  logs: JobLogStore;
}

/** Job history and log stores beside the job store, on the same SQLite file or Redis (and prefix). */
export async function openHistoryStores(config: StoreConfig): Promise<HistoryStores> {
  switch (config.kind) {
    case 'sqlite':
      return { history: openSqliteJobHistory(config.path), logs: openSqliteJobLogStore(config.path) };
    case 'redis': {
      const options = {
        url: config.url,
        prefix: config.prefix,
        ...(config.sentinel === undefined ? {} : { sentinel: config.sentinel }),
      };
      const history = await openRedisJobHistory(options);
      try {
        return { history, logs: await openRedisJobLogStore(options) };
      } catch (error) {
        await history.close();
        throw error;
      }
    }
  }
}
