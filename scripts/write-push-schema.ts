import fs from 'node:fs';
import path from 'node:path';
import { pushEventSchemaJson } from '../src/shared/push-event-schema';

/** Writes schema/push-event.schema.json from the contract module (npm run schema). */
const file = path.join(__dirname, '..', 'schema', 'push-event.schema.json');
fs.writeFileSync(file, pushEventSchemaJson());
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
