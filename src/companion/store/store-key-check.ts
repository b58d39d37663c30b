import type { Kysely } from 'kysely';
import type { CompanionDatabase } from './schema';
import { SecretKeyError } from './errors';
import type { SecretBox } from './secret-box';
import { SECRET_KEY_ENV } from './secret-key';

export const SECRET_KEY_ID_SETTING = 'secret_key_id';

/** The key id inside a sealed value (`v1.<key id>.<nonce>.<body>`), or undefined when it has none. */
function keyIdInSealed(sealed: string): string | undefined {
  return /^v\d+\.([0-9a-f]{16})\./.exec(sealed)?.[1];
}

/**
 * Refuses a key other than the one this database's secrets are sealed with, before anything is
 * written: every replica must be given the same INCIDENT_SN_SECRET_KEY. The first process to open
 * the database records its key's id (not the key); a database that already holds sealed secrets
 * records the id they were sealed with, so a wrong key is caught on the very first start too.
 */
export async function checkStoreKey(k: Kysely<CompanionDatabase>, box: SecretBox, where: string, at: Date): Promise<void> {
  let stored = (await k.selectFrom('store_settings').select('value').where('name', '=', SECRET_KEY_ID_SETTING).executeTakeFirst())?.value;
  if (stored === undefined) {
    const sealed = await k.selectFrom('connections').select('oauth_client_secret_sealed').limit(1).executeTakeFirst();
    const candidate = (sealed && keyIdInSealed(sealed.oauth_client_secret_sealed)) ?? box.keyId;
    await k
      .insertInto('store_settings')
      .values({ name: SECRET_KEY_ID_SETTING, value: candidate, updated_at: at.toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    stored = (await k.selectFrom('store_settings').select('value').where('name', '=', SECRET_KEY_ID_SETTING).executeTakeFirstOrThrow()).value;
  }
  if (stored !== box.keyId) {
    throw new SecretKeyError(
      `The secrets in ${where} are sealed with key ${stored}, but this process was given key ${box.keyId}. Every ` +
        `replica must be started with the same ${SECRET_KEY_ENV} as the others; nothing was changed.`,
      { code: 'secret_key_mismatch' },
    );
  }
}
