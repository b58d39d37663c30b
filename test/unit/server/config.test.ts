import { canDeliver, DEFAULTS, readConfig, summarizeConfig } from '../../../src/server/lib/config';
import { PROPERTY } from '../../../src/server/lib/constants';
import { fakeProperties } from '../../helpers/fake-glide';

describe('readConfig', () => {
  it('uses the defaults when properties are unset or unreadable', () => {
    const config = readConfig(fakeProperties({ [PROPERTY.maxAttempts]: 'lots', [PROPERTY.retentionDays]: '2.5' }), '');
    expect(config).toEqual({
      enabled: false,
      webhookUrl: '',
      signingSecret: '',
      integrationUser: '',
      followUpTable: 'incident',
      maxAttempts: DEFAULTS.maxAttempts,
      retryBaseSeconds: DEFAULTS.retryBaseSeconds,
      retentionDays: DEFAULTS.retentionDays,
      requestTimeoutSeconds: DEFAULTS.requestTimeoutSeconds,
      clone: null,
    });
  });

  it('reads set values, trimming text and clamping numbers to sane ranges', () => {
    const config = readConfig(
      fakeProperties({
        [PROPERTY.enabled]: 'true',
        [PROPERTY.webhookUrl]: ' https://x.example/hook ',
        [PROPERTY.integrationUser]: 'svc',
        [PROPERTY.maxAttempts]: '0',
        [PROPERTY.retryBaseSeconds]: '5',
        [PROPERTY.requestTimeoutSeconds]: '600',
      }),
      ' s3cret ',
    );
    expect(config.enabled).toBe(true);
    expect(config.webhookUrl).toBe('https://x.example/hook');
    expect(config.maxAttempts).toBe(1);
    expect(config.retryBaseSeconds).toBe(5);
    expect(config.requestTimeoutSeconds).toBe(30);
    expect(config.signingSecret).toBe('s3cret');
  });

  it('delivers only when enabled with both a URL and a secret, and never shows the secret', () => {
    const base = readConfig(fakeProperties({ [PROPERTY.enabled]: 'true', [PROPERTY.webhookUrl]: 'https://a' }), 's3cret');
    expect(canDeliver(base)).toBe(true);
    expect(canDeliver({ ...base, enabled: false })).toBe(false);
    expect(canDeliver({ ...base, webhookUrl: '' })).toBe(false);
    expect(canDeliver({ ...base, signingSecret: '' })).toBe(false);
    const summary = summarizeConfig(base);
    expect(summary).toEqual({ enabled: true, webhook_url: 'https://a', signing_secret_set: true, integration_user: '', follow_up_table: 'incident', delivering: true });
    expect(JSON.stringify(summary)).not.toContain('s3cret');
  });
});
