import crypto from 'node:crypto';
import { signatureBase, signatureHeader, signPush } from '../../../src/server/lib/signature';
import { generateMac } from '../../helpers/hmac';

describe('push signature', () => {
  const secret = crypto.randomBytes(32).toString('base64');

  it('MACs "<t>.<raw body>"', () => {
    expect(signatureBase(1767225600, '{"a":1}')).toBe('1767225600.{"a":1}');
  });

  it('formats the header as t=<seconds>,v1=<base64 mac>', () => {
    expect(signatureHeader(1767225600, 'abc=')).toBe('t=1767225600,v1=abc=');
  });

  it('produces a header a receiver verifies with the decoded secret over the exact body', () => {
    const body = JSON.stringify({ event_id: 'e', text: 'naïve ✓ "quotes"' });
    const header = signPush(generateMac, secret, 1767225600, body);
    const m = /^t=(\d+),v1=([A-Za-z0-9+/=]+)$/.exec(header);
    expect(m).not.toBeNull();
    const expected = crypto.createHmac('sha256', Buffer.from(secret, 'base64')).update(`${m![1]}.${body}`).digest();
    expect(crypto.timingSafeEqual(Buffer.from(m![2]!, 'base64'), expected)).toBe(true);
  });

  it('changes when the body, the timestamp or the secret changes', () => {
    const base = signPush(generateMac, secret, 100, '{}');
    expect(signPush(generateMac, secret, 100, '{} ')).not.toBe(base);
    expect(signPush(generateMac, secret, 101, '{}')).not.toBe(base);
    expect(signPush(generateMac, crypto.randomBytes(32).toString('base64'), 100, '{}')).not.toBe(base);
  });
});
