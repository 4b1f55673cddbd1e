import { describe, expect, it } from 'vitest';
import { EndpointRegistry } from '../../config/endpoint-registry.js';
import { ConfigError, resolveConfig } from '../../config/load-config.js';
import { webhookKeys } from './create-webhook-sender.js';
import { parseWebhookSecrets } from './signature.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('webhook configuration', () => {
  it('defaults to 3 attempts, 10 s apart, a 10 s timeout and no address blocking', () => {
    const config = resolveConfig({ endpoints: { echo: {} } });
    expect(config.server.webhooks).toEqual({
      attempts: 3,
      retryDelayMs: 10_000,
      timeoutMs: 10_000,
      blockPrivateAddresses: false,
      allowAddresses: [],
      maxInFlightPerEndpoint: 4,
    });
    expect(config.endpoints['echo']?.webhookSecret).toBeUndefined();
  });

  it('accepts one secret or several separated by spaces', () => {
    const config = resolveConfig({
      server: { webhooks: { attempts: 1, blockPrivateAddresses: true } },
      endpoints: { a: { webhookSecret: SECRET }, b: { webhookSecret: `${SECRET}  ${SECRET}` } },
    });
    expect(config.server.webhooks).toMatchObject({ attempts: 1, retryDelayMs: 10_000, blockPrivateAddresses: true });
    expect(config.endpoints['b']?.webhookSecret).toBe(`${SECRET}  ${SECRET}`);
  });

  it.each([
    [{ endpoints: { a: { webhookSecret: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } } }, 'endpoints.a.webhookSecret'],
    [{ endpoints: { a: { webhookSecret: 'whsec_c2hvcnQ=' } } }, 'endpoints.a.webhookSecret'],
    [{ endpoints: { a: { webhookSecret: `${SECRET},${SECRET}` } } }, 'endpoints.a.webhookSecret'],
    [{ server: { webhooks: { attempts: 0 } }, endpoints: {} }, 'server.webhooks.attempts'],
    [{ server: { webhooks: { timeoutMs: 50 } }, endpoints: {} }, 'server.webhooks.timeoutMs'],
    [{ server: { webhooks: { retries: 2 } }, endpoints: {} }, 'server.webhooks.retries'],
  ])('names the key of an invalid setting (%#)', (raw, key) => {
    expect(() => resolveConfig(raw)).toThrow(ConfigError);
    expect(() => resolveConfig(raw)).toThrow(new RegExp(`\\n  ${key.replace(/\./g, '\\.')}: `));
  });

  it('signs with the secret the registry holds now: a reload changes it at once, a removal keeps it', () => {
    const OTHER = 'whsec_c2Vjb25kLXNlY3JldC0wMTIzNDU2Nzg5';
    const registry = new EndpointRegistry(
      resolveConfig({ endpoints: { a: { webhookSecret: SECRET }, b: {} } }).endpoints,
    );
    const keysFor = webhookKeys(registry);
    expect(keysFor('a')).toEqual(parseWebhookSecrets(SECRET));
    expect(keysFor('b')).toBeUndefined();
    registry.replace(resolveConfig({ endpoints: { a: {}, b: { webhookSecret: OTHER } } }).endpoints);
    expect(keysFor('a')).toBeUndefined();
    expect(keysFor('b')).toEqual(parseWebhookSecrets(OTHER));
    registry.replace({});
    expect(keysFor('b')).toEqual(parseWebhookSecrets(OTHER));
  });
});
