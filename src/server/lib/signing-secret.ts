import { signingSecretProblem } from './config-validation.ts';
import { PROPERTY } from './constants.ts';
import type { Logger, PropertyAccess, SecretField } from './glide-interfaces.ts';

/**
 * The signing secret. It lives in the password2 field of the app's configuration record: the
 * platform documents setDisplayValue() to encrypt such a field and getDecryptedValue() to read it
 * back, from a script of the table's own scope (docs/platform-apis.md). Versions up to 1.0.0 kept
 * it in the password2 property x_incident_io.signing_secret; the first read after an upgrade moves
 * it over and clears the property.
 *
 * The property is read with gs.getProperty, the call 1.0.0 signed with, so what moves is exactly
 * the key 1.0.0 used. A value that is not a usable secret (were the platform to return the stored,
 * encrypted form) is not moved: the error says how to set a new one.
 */
export function currentSigningSecret(field: SecretField, properties: PropertyAccess, log: Logger): string {
  const stored = field.get().trim();
  if (stored !== '') return stored;
  const legacy = (properties.get(PROPERTY.legacySigningSecret) || '').trim();
  if (legacy === '') return '';
  if (signingSecretProblem(legacy) !== null) {
    properties.set(PROPERTY.legacySigningSecret, '');
    log.error(
      'the signing secret of the property ' +
        PROPERTY.legacySigningSecret +
        ' could not be moved to the configuration record: it is not a base64 secret of 32 bytes or more. ' +
        'Pushes stay off until a new secret is set: run Connect again (incident-sn connect), or PUT /api/x_incident_io/v1/sync/config with a signing_secret.',
    );
    return '';
  }
  field.set(legacy);
  properties.set(PROPERTY.legacySigningSecret, '');
  log.info('moved the signing secret from the property ' + PROPERTY.legacySigningSecret + ' to the configuration record');
  return legacy;
}
