// Runs the job history and log conformance suites against Redis (the run's Redis, test/support/redis.ts), each
// test on its own key prefix, deleted afterwards.
import { randomUUID } from 'node:crypto';
import { describeWithRedis } from '../../../../../test/support/redis.js';
import { describeJobHistoryConformance } from '../testing/conformance-history.js';
import { describeJobLogStoreConformance } from '../testing/conformance-logs.js';
import { deletePrefix } from './delete-prefix.js';
import { openRedisJobHistory } from './redis-job-history.js';
import { openRedisJobLogStore } from './redis-job-log-store.js';

const uniquePrefix = () => `sluice-test-${randomUUID().slice(0, 8)}`;

describeWithRedis('Redis history and log stores', (redisUrl) => {
  describeJobHistoryConformance('RedisJobHistory', async () => {
    const prefix = uniquePrefix();
    const history = await openRedisJobHistory({ url: redisUrl, prefix });
    return {
      history,
      cleanup: async () => {
        await history.close();
        await deletePrefix(redisUrl, prefix);
      },
    };
  });

  describeJobLogStoreConformance('RedisJobLogStore', async () => {
    const prefix = uniquePrefix();
    const logs = await openRedisJobLogStore({ url: redisUrl, prefix });
    return {
      logs,
      cleanup: async () => {
        await logs.close();
        await deletePrefix(redisUrl, prefix);
      },
    };
  });
});
