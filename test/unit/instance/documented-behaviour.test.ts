import { createHmac } from 'node:crypto';
import { PASSWORD2_GET_DECRYPTS } from '../../../src/instance/runtime/glide/gs';
import { openRuntimeEngine, type RuntimeEngine } from '../../helpers/runtime-engine';

/**
 * The Glide behaviour docs/platform-apis.md cites, as the local instance enforces it: password2
 * fields (setDisplayValue encrypts, getValue gives the stored form, getDecryptedValue the clear
 * text only in the table's own scope or a global script, setValue refuses clear text), gs property
 * access, and CertificateEncryption.generateMac's documented encodings.
 */

let rt: RuntimeEngine;
let scopeId: string;

beforeAll(async () => {
  rt = await openRuntimeEngine();
  scopeId = rt.engine.insert('sys_scope', { scope: 'x_vault', name: 'Vault' }).sysId;
  rt.engine.insert('sys_scope', { scope: 'x_other', name: 'Other' });
  rt.engine.schema.defineTable({
    name: 'x_vault_config',
    label: 'Vault config',
    scope: scopeId,
    columns: [
      { name: 'name', type: 'string', maxLength: 40 },
      { name: 'secret', type: 'password2', maxLength: 255 },
    ],
  });
});

afterAll(() => rt.close());

const inVault = { scope: 'x_vault' };

describe('password2 fields', () => {
  let sysId: string;

  beforeAll(() => {
    sysId = rt.run(
      `var gr = new GlideRecord('x_vault_config'); gr.initialize(); gr.setValue('name', 'one');
       gr.secret.setDisplayValue('hunter2-clear'); return gr.insert();`,
      inVault,
    ) as string;
  });

  it('setDisplayValue() encrypts: the row holds neither the clear value nor anything that reveals it', () => {
    const stored = rt.engine.get('x_vault_config', sysId)!.values.secret!;
    expect(stored).not.toBe('');
    expect(stored).not.toContain('hunter2');
  });

  it('getValue() and toString() give the stored (encrypted) form; getDisplayValue() gives nothing', () => {
    const stored = rt.engine.get('x_vault_config', sysId)!.values.secret!;
    const read = rt.run(
      `var gr = new GlideRecord('x_vault_config'); gr.get('${sysId}');
       return [gr.getValue('secret'), gr.secret.getValue(), gr.secret.toString(), gr.secret.getDisplayValue()];`,
      inVault,
    );
    expect(read).toEqual([stored, stored, stored, '']);
    expect(rt.run(`var gr = new GlideRecord('x_vault_config'); gr.get('${sysId}'); return gr.getDisplayValue('secret');`)).toBe('');
  });

  it('getDecryptedValue() gives the clear value to a script of the table scope and to a global script', () => {
    const script = `var gr = new GlideRecord('x_vault_config'); gr.get('${sysId}'); return gr.getElement('secret').getDecryptedValue();`;
    expect(rt.run(script, inVault)).toBe('hunter2-clear');
    expect(rt.run(script)).toBe('hunter2-clear');
  });

  it('getDecryptedValue() from another scope is refused with the platform cross-scope message', () => {
    expect(() => rt.run(`var gr = new GlideRecord('x_vault_config'); gr.get('${sysId}'); return gr.secret.getDecryptedValue();`, { scope: 'x_other' })).toThrow(
      "Access to api 'getDecryptedValue(secret)' from scope 'x_other' has been refused due to the api's cross-scope access policy",
    );
  });

  it('setValue() and assignment refuse a clear value, and the stored secret stays as it was', () => {
    const before = rt.engine.get('x_vault_config', sysId)!.values.secret;
    expect(() => rt.run(`var gr = new GlideRecord('x_vault_config'); gr.get('${sysId}'); gr.setValue('secret', 'plain'); gr.update();`, inVault)).toThrow(
      /setValue\(\) on the password2 field x_vault_config\.secret expects encrypted data: use secret\.setDisplayValue/,
    );
    expect(() => rt.run(`var gr = new GlideRecord('x_vault_config'); gr.get('${sysId}'); gr.secret = 'plain'; gr.update();`, inVault)).toThrow(/expects encrypted data/);
    expect(rt.engine.get('x_vault_config', sysId)!.values.secret).toBe(before);
  });

  it('copying the stored form from one record to another keeps the same secret', () => {
    const copied = rt.run(
      `var a = new GlideRecord('x_vault_config'); a.get('${sysId}');
       var b = new GlideRecord('x_vault_config'); b.initialize(); b.setValue('name', 'two'); b.setValue('secret', a.getValue('secret'));
       var id = b.insert(); var c = new GlideRecord('x_vault_config'); c.get(id); return c.secret.getDecryptedValue();`,
      inVault,
    );
    expect(copied).toBe('hunter2-clear');
  });

  it('the display value the Table API and GlideRecord show is empty', () => {
    const { records } = rt.engine.query('x_vault_config', { query: `sys_id=${sysId}` });
    expect(rt.engine.displayValue(records[0]!, 'secret')).toBe('');
  });
});

describe('gs properties', () => {
  beforeAll(() => {
    rt.engine.insert('sys_properties', { name: 'x_vault.token', type: 'password2', value: 'c2VjcmV0LXZhbHVl', sys_scope: scopeId });
  });

  it('gs.getProperty() of a password2 property gives the stored, encrypted form (the reference does not say it decrypts)', () => {
    const value = rt.run(`return gs.getProperty('x_vault.token');`, inVault) as string;
    expect(value).toBe(rt.engine.getStoredProperty('x_vault.token')!.value);
    expect(value).not.toBe('c2VjcmV0LXZhbHVl');
  });

  it(`with ${PASSWORD2_GET_DECRYPTS} = true it decrypts, as app 1.0.0 assumed`, () => {
    rt.engine.setProperty(PASSWORD2_GET_DECRYPTS, 'true', 'boolean');
    try {
      expect(rt.run(`return gs.getProperty('x_vault.token');`, inVault)).toBe('c2VjcmV0LXZhbHVl');
    } finally {
      rt.engine.setProperty(PASSWORD2_GET_DECRYPTS, 'false', 'boolean');
    }
  });

  it('gs.setProperty() sets properties within the script scope and refuses those of another scope', () => {
    rt.run(`gs.setProperty('x_vault.mode', 'strict');`, inVault);
    expect(rt.engine.getProperty('x_vault.mode')).toBe('strict');
    expect(() => rt.run(`gs.setProperty('x_vault.mode', 'lax');`, { scope: 'x_other' })).toThrow(/not within the script's scope/);
    expect(() => rt.run(`gs.setProperty('instance_name', 'hijacked');`, inVault)).toThrow(/not within the script's scope/);
    expect(rt.engine.getProperty('x_vault.mode')).toBe('strict');
    expect(rt.engine.getProperty('instance_name')).toBe('local');
  });
});

describe('CertificateEncryption.generateMac', () => {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?", HMAC-SHA256 in hex.
  const RFC_4231_CASE_2 = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';

  it('takes a base64 key and gives a base64 MAC that Node verifies with the documented encodings', () => {
    const keyBase64 = Buffer.from('Jefe', 'utf8').toString('base64');
    const data = 'what do ya want for nothing?';
    const mac = rt.run(`return new CertificateEncryption().generateMac('${keyBase64}', 'HmacSHA256', '${data}');`, inVault) as string;
    expect(mac).toBe(Buffer.from(RFC_4231_CASE_2, 'hex').toString('base64'));
    expect(mac).toBe(createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(data, 'utf8').digest('base64'));
  });

  it('signs the push signature base of a 32-byte secret as the receiver recomputes it', () => {
    const secret = Buffer.alloc(32, 0xa5).toString('base64');
    const base = '1700000000.{"event_id":"e1","note":"café"}';
    const mac = rt.run(`return new CertificateEncryption().generateMac(${JSON.stringify(secret)}, 'HmacSHA256', ${JSON.stringify(base)});`, inVault);
    expect(mac).toBe(createHmac('sha256', Buffer.from(secret, 'base64')).update(base, 'utf8').digest('base64'));
  });

  it('is what scoped scripts use: the global GlideCertificateEncryption fails in a scoped script', () => {
    expect(() => rt.run(`return new GlideCertificateEncryption().generateMac('SmVmZQ==', 'HmacSHA256', 'x');`, inVault)).toThrow(
      /GlideCertificateEncryption is a global API; a scoped script \(scope 'x_vault'\) uses CertificateEncryption/,
    );
    expect(rt.run(`return new GlideCertificateEncryption().generateMac('SmVmZQ==', 'HmacSHA256', 'x');`)).toBe(
      createHmac('sha256', 'Jefe').update('x').digest('base64'),
    );
  });
});

describe('GlideRecord.getDisplayValue', () => {
  it('takes no field in a scoped script (the scoped reference documents none); the field element gives its display value', () => {
    const script = `var gr = new GlideRecord('incident'); gr.addQuery('state', 2); gr.setLimit(1); gr.query(); gr.next();`;
    expect(rt.run(`${script} return gr.getElement('state').getDisplayValue();`, inVault)).toBe('In Progress');
    expect(() => rt.run(`${script} return gr.getDisplayValue('state');`, inVault)).toThrow(/use getElement\('state'\)\.getDisplayValue\(\)/);
    expect(rt.run(`${script} return gr.getDisplayValue('state');`)).toBe('In Progress');
  });
});
