import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/build';

/**
 * ServiceNow's code checks flag scripted REST resources that write data themselves: the app's
 * resources (src/server/api/) parse, authorise and answer; every write they cause is in
 * src/server/services/ (or the UI actions' and admin actions' modules), never in the resource.
 */

const API_DIR = path.join(ROOT, 'src', 'server', 'api');
const WRITES = /\.(insert|update|deleteRecord|deleteMultiple|updateMultiple|setValue|set|discardPending|requeue|setProperty)\(|\brecordIdentity\(/;

describe('scripted REST resources', () => {
  const files = fs.readdirSync(API_DIR).filter((f) => f.endsWith('.ts'));

  it('are the files the REST APIs route to', () => {
    expect(files.sort()).toEqual(['config.ts', 'health.ts', 'resend.ts', 'respond.ts', 'status.ts']);
  });

  it.each(files)('%s writes nothing itself', (file) => {
    const lines = fs.readFileSync(path.join(API_DIR, file), 'utf8').split('\n');
    const writes = lines.filter((line) => !line.trim().startsWith('//') && !line.trim().startsWith('*') && WRITES.test(line.replace(/response\.set\w*\(/g, '')));
    expect(writes).toEqual([]);
  });

  it('the check finds a write when there is one', () => {
    expect(WRITES.test("properties.set(PROPERTY.enabled, 'true');")).toBe(true);
    expect(WRITES.test('outboxStore().requeue(filter, now);')).toBe(true);
    expect(WRITES.test('response.setBody(x);'.replace(/response\.set\w*\(/g, ''))).toBe(false);
  });
});
