// Standard Webhooks signing (spec §9.3): `webhook-signature: v1,<base64 HMAC-SHA256("<id>.<timestamp>.<body>")>`,
// one entry per secret while secrets rotate.
import { createHmac } from 'node:crypto';

/** Decodes `whsec_<base64>` secrets, several separated by whitespace (rotation); the prefix is required. */
export function parseWebhookSecrets(spec: string): Buffer[] {
  return spec
    .trim()
    .split(/\s+/)
    .filter((token) => token !== '')
    .map((token) => {
      if (!token.startsWith('whsec_')) throw new Error('webhook secrets must look like whsec_<base64>');
      return Buffer.from(token.slice('whsec_'.length), 'base64');
    });
}

/** The `webhook-signature` value: `v1,<sig>` per key, space-separated. */
export function signatureHeader(keys: readonly Buffer[], id: string, timestamp: number, body: string): string {
  return keys
    .map((key) => `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`)
    .join(' ');
}

/** The three Standard Webhooks headers for one attempt; `timestamp` is in Unix seconds. */
export function signedHeaders(
  keys: readonly Buffer[],
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(keys, id, timestamp, body),
  };
}
