import Ajv2020 from 'ajv/dist/2020';
import schema from '../../schema/push-event.schema.json';

/**
 * Validates a push event against schema/push-event.schema.json: the contract between the
 * ServiceNow app (sender) and the companion (receiver). Both sides' tests run against it.
 */
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
const validate = ajv.compile(schema);

export type SchemaCheck = { ok: true } | { ok: false; errors: string[] };

export function checkPushEvent(value: unknown): SchemaCheck {
  if (validate(value)) return { ok: true };
  return {
    ok: false,
    errors: (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`),
  };
}

export { schema as pushEventSchema };
