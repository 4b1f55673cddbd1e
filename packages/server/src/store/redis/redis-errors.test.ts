// A 503 from the Redis store says whether the request may have been applied (issue #12 item 4): a command sent
// whose answer was lost may have run, so the answer must not read as a plain "not done".
import { describe, expect, it } from 'vitest';
import { toStoreError } from './redis-connection.js';

describe('Redis store errors', () => {
  it('says "outcome unknown" for a command whose answer was lost', () => {
    // What ioredis rejects a sent command with when its connection drops (maxRetriesPerRequest is 0).
    const dropped = Object.assign(new Error('Reached the max retries per request limit (which is 0).'), {
      name: 'MaxRetriesPerRequestError',
    });
    for (const lost of [new Error('Command timed out'), dropped]) {
      const error = toStoreError(lost);
      expect(error.code).toBe('ERR_UNAVAILABLE');
      expect(error.message).toBe('service unavailable; outcome unknown: the request may have been applied');
    }
  });

  it('says plain "service unavailable" for a command never sent', () => {
    for (const refused of [
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error('Connection is closed.'),
    ]) {
      expect(toStoreError(refused)).toMatchObject({ code: 'ERR_UNAVAILABLE', message: 'service unavailable' });
    }
  });
});
