// Builds the WebhookSender a server runs from its configuration: `server.webhooks` and each endpoint's secret,
// which follows the endpoint registry (a reloaded secret signs the next delivery).
import type { Logger } from 'pino';
import type { Config, EndpointConfig } from '../../config/config-schema.js';
import type { EndpointRegistry } from '../../config/endpoint-registry.js';
import type { WebhookOutbox } from '../../store/webhook-outbox.js';
import type { OutageLog } from '../outage-log.js';
import { SERVER_VERSION } from '../../version.js';
import { parseWebhookSecrets } from './signature.js';
import { WebhookSender, type WebhookAttemptOutcome, type WebhookSenderOptions } from './webhook-sender.js';

/** Each endpoint's signing keys, kept up to date with the registry (a reloaded secret signs the next delivery). */
export function webhookKeys(endpoints: EndpointRegistry): (endpointId: string) => readonly Buffer[] | undefined {
  const keys = new Map<string, Buffer[]>();
  const follow = (endpointId: string, endpoint: EndpointConfig) => {
    if (endpoint.webhookSecret === undefined) keys.delete(endpointId);
    else keys.set(endpointId, parseWebhookSecrets(endpoint.webhookSecret));
  };
  for (const [endpointId, endpoint] of endpoints.list()) follow(endpointId, endpoint);
  // A removed endpoint keeps its secret: its jobs stay in the store, and their webhooks still go out signed.
  endpoints.onChange((change) => {
    if (change.kind !== 'removed') follow(change.id, change.settings);
  });
  return (endpointId) => keys.get(endpointId);
}

export function createWebhookSender(
  config: Pick<Config, 'server'>,
  endpoints: EndpointRegistry,
  store: WebhookOutbox,
  log: Logger,
  onAttempt?: (result: WebhookAttemptOutcome) => void,
  outages?: OutageLog,
  onDelivery?: WebhookSenderOptions['onDelivery'],
): WebhookSender {
  return new WebhookSender({
    store,
    policy: config.server.webhooks,
    maxInFlightPerEndpoint: config.server.webhooks.maxInFlightPerEndpoint,
    keysFor: webhookKeys(endpoints),
    userAgent: `sluice/${SERVER_VERSION}`,
    log,
    onAttempt,
    outages,
    ...(onDelivery === undefined ? {} : { onDelivery }),
  });
}
