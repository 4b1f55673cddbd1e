import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseWebhookSecrets, signatureHeader, signedHeaders } from './signature.js';

// The test vector published with the Standard Webhooks specification.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const MSG_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = 1614265330;
const PAYLOAD = '{"test": 2432232314}';

/** What a receiver computes, written out independently of the code under test. */
function receiverSignature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.split('_')[1]!, 'base64');
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

describe('Standard Webhooks signature', () => {
  it('matches the published test vector', () => {
    const header = signatureHeader(parseWebhookSecrets(SECRET), MSG_ID, TIMESTAMP, PAYLOAD);
    expect(header).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(header).toBe(`v1,${receiverSignature(SECRET, MSG_ID, TIMESTAMP, PAYLOAD)}`);
  });

  it('signs once per secret while secrets rotate, in the configured order', () => {
    const other = `whsec_${Buffer.from('another secret of 24 b!!').toString('base64')}`;
    const body = '{"id":"j1","status":"COMPLETED","input":{"a":"é"},"webhook":"https://h.test/x"}';
    const headers = signedHeaders(parseWebhookSecrets(`  ${SECRET}   ${other} `), 'd-1', 1700000000, body);
    expect(headers).toEqual({
      'webhook-id': 'd-1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': [SECRET, other].map((s) => `v1,${receiverSignature(s, 'd-1', 1700000000, body)}`).join(' '),
    });
  });

  it('refuses a secret without the whsec_ prefix', () => {
    expect(() => parseWebhookSecrets('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toThrow(/whsec_/);
  });
});
