import fs from 'node:fs';
import path from 'node:path';
import { SYNCED_FIELDS } from '../../../src/server/contract/push-event';
import { pushEventSchemaJson } from '../../../src/shared/push-event-schema';
import { TRACKED_FIELDS } from '../../../src/companion/sync/servicenow-record';

/** schema/push-event.schema.json is generated from the contract module: it must be what the module builds now. */
describe('the committed push schema', () => {
  it('is what the contract module builds (run npm run schema after changing src/server/contract)', () => {
    const committed = fs.readFileSync(path.join(__dirname, '../../../schema/push-event.schema.json'), 'utf8');
    expect(committed).toBe(pushEventSchemaJson());
  });

  it('lists as changed_fields every field the companion tracks', () => {
    const schema = JSON.parse(pushEventSchemaJson()) as { properties: { changed_fields: { items: { enum: string[] } } } };
    expect(schema.properties.changed_fields.items.enum).toEqual([...SYNCED_FIELDS]);
    for (const field of TRACKED_FIELDS) expect(schema.properties.changed_fields.items.enum).toContain(field);
  });
});
