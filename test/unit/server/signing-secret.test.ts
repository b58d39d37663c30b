import { PROPERTY } from '../../../src/server/lib/constants';
import type { Logger, SecretField } from '../../../src/server/lib/glide-interfaces';
import { currentSigningSecret } from '../../../src/server/lib/signing-secret';
import { fakeProperties } from '../../helpers/fake-glide';

const SECRET = Buffer.alloc(32, 7).toString('base64');

function field(initial = ''): SecretField & { value: string; writes: number } {
  return {
    value: initial,
    writes: 0,
    get() {
      return this.value;
    },
    set(secret) {
      this.value = secret;
      this.writes++;
    },
  };
}

function logger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push('info ' + m), warn: (m) => lines.push('warn ' + m), error: (m) => lines.push('error ' + m) };
}

describe('currentSigningSecret', () => {
  it('reads the configuration record and leaves the old property alone once the record holds a secret', () => {
    const props = fakeProperties({ [PROPERTY.legacySigningSecret]: 'c3RhbGU=' });
    const f = field(SECRET);
    expect(currentSigningSecret(f, props, logger())).toBe(SECRET);
    expect(props.values[PROPERTY.legacySigningSecret]).toBe('c3RhbGU=');
    expect(f.writes).toBe(0);
  });

  it('moves a secret from the 1.0.0 property to the record on the first read, then clears the property', () => {
    const props = fakeProperties({ [PROPERTY.legacySigningSecret]: ` ${SECRET} ` });
    const f = field();
    const log = logger();
    expect(currentSigningSecret(f, props, log)).toBe(SECRET);
    expect(f.value).toBe(SECRET);
    expect(props.values[PROPERTY.legacySigningSecret]).toBe('');
    expect(log.lines.join('\n')).toContain('moved the signing secret');
    expect(log.lines.join('\n')).not.toContain(SECRET);
    // The second read finds the record: nothing is moved again.
    expect(currentSigningSecret(f, props, log)).toBe(SECRET);
    expect(f.writes).toBe(1);
  });

  it('does not move a value that is no usable secret (an encrypted form), clears it, and says how to set a new one', () => {
    const stored = 'enc1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==';
    const props = fakeProperties({ [PROPERTY.legacySigningSecret]: stored });
    const f = field();
    const log = logger();
    expect(currentSigningSecret(f, props, log)).toBe('');
    expect(f.writes).toBe(0);
    expect(props.values[PROPERTY.legacySigningSecret]).toBe('');
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatch(/^error .*incident-sn connect.*PUT \/api\/x_incident_io\/v1\/sync\/config/);
    expect(log.lines[0]).not.toContain(stored);
  });

  it('gives an empty secret when neither the record nor the property holds one', () => {
    const props = fakeProperties();
    const f = field();
    expect(currentSigningSecret(f, props, logger())).toBe('');
    expect(f.writes).toBe(0);
    expect(props.values).toEqual({});
  });
});
