import { defaultConnectionName, webhookUrlFor } from '../../../../src/companion/connect/connection-name';

describe('connection names and webhook URLs', () => {
  it.each([
    ['https://hyper-payments.service-now.com', 'hyper-payments'],
    ['https://ACME.service-now.com', 'acme'],
    ['http://127.0.0.1:8080', '127-0-0-1-8080'],
    ['http://localhost:8080', 'localhost-8080'],
    ['https://sn.internal.example.com', 'sn-internal-example-com'],
    ['http://[::1]:8080', '1-8080'],
  ])('names %s "%s" by default', (url, name) => {
    expect(defaultConnectionName(url)).toBe(name);
  });

  it('puts the name under /webhooks/servicenow/ of the public URL', () => {
    expect(webhookUrlFor('https://companion.example.com', 'acme')).toBe('https://companion.example.com/webhooks/servicenow/acme');
    expect(webhookUrlFor('https://example.com/incident/', 'acme')).toBe('https://example.com/incident/webhooks/servicenow/acme');
  });
});
