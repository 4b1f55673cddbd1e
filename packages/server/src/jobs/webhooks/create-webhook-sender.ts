// Builds the WebhookSender a server runs from its configuration: `server.webhooks` and each endpoint's secret.
import type { Logger } from 'pino';
import type { Config } from '../../config/config-schema.js';
import type { WebhookOutbox } from '../../store/webhook-outbox.js';
import type { OutageLog } from '../outage-log.js';
import { SERVER_VERSION } from '../../version.js';
import { parseWebhookSecrets } from './signature.js';
import { WebhookSender, type WebhookAttemptOutcome, type WebhookSenderOptions } from './webhook-sender.js';

export function createWebhookSender(
  config: Config,
  store: WebhookOutbox,
  log: Logger,
  onAttempt?: (result: WebhookAttemptOutcome) => void,
  outages?: OutageLog,
  onDelivery?: WebhookSenderOptions['onDelivery'],
): WebhookSender {
  const keys = new Map<string, Buffer[]>();
  for (const [endpointId, endpoint] of Object.entries(config.endpoints)) {
    if (endpoint.webhookSecret !== undefined) keys.set(endpointId, parseWebhookSecrets(endpoint.webhookSecret));
  }
  return new WebhookSender({
    store,
    policy: config.server.webhooks,
    maxInFlightPerEndpoint: config.server.webhooks.maxInFlightPerEndpoint,
    keysFor: (endpointId) => keys.get(endpointId),
    userAgent: `sluice/${SERVER_VERSION}`,
    log,
    onAttempt,
    outages,
    ...(onDelivery === undefined ? {} : { onDelivery }),
  });
}
