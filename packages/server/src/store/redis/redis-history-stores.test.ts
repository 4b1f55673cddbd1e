// Runs the job history and log conformance suites against Redis (REDIS_URL), each test on its own key prefix,
// deleted afterwards.
import { randomUUID } from 'node:crypto';
import { describeJobHistoryConformance } from '../testing/conformance-history.js';
import { describeJobLogStoreConformance } from '../testing/conformance-logs.js';
import { deletePrefix } from './delete-prefix.js';
import { openRedisJobHistory } from './redis-job-history.js';
import { openRedisJobLogStore } from './redis-job-log-store.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const uniquePrefix = () => `sluice-test-${randomUUID().slice(0, 8)}`;

describeJobHistoryConformance('RedisJobHistory', async () => {
  const prefix = uniquePrefix();
  const history = await openRedisJobHistory({ url: REDIS_URL, prefix });
  return {
    history,
    cleanup: async () => {
      await history.close();
      await deletePrefix(REDIS_URL, prefix);
    },
  };
});

describeJobLogStoreConformance('RedisJobLogStore', async () => {
  const prefix = uniquePrefix();
  const logs = await openRedisJobLogStore({ url: REDIS_URL, prefix });
  return {
    logs,
    cleanup: async () => {
      await logs.close();
      await deletePrefix(REDIS_URL, prefix);
    },
  };
});
