import { CONFORMANCE_CASES } from '../../../src/instance/conformance/cases';
import { ConformanceClient } from '../../../src/instance/conformance/client';
import { newRunMarker, runCase } from '../../../src/instance/conformance/runner';
import { USERS, useInstance } from '../../helpers/instance';

/**
 * The REST conformance cases (the same ones `npm run conformance -- --instance <url>` runs against a
 * real instance) against the local instance, one test per case. Each case also cleans up after
 * itself: the last test checks that nothing it created is left behind.
 */
describe('REST conformance of the local instance', () => {
  const sn = useInstance();
  const marker = newRunMarker();
  const client = (): ConformanceClient => new ConformanceClient(sn().url, { user: USERS.admin.user, password: USERS.admin.password });

  test.each(CONFORMANCE_CASES.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    expect(testCase.source.trim()).not.toBe('');
    const outcome = await runCase(testCase, client(), marker);
    expect(outcome.error).toBeUndefined();
    expect(outcome.cleanupErrors).toEqual([]);
  });

  test('the cases leave no incident or attachment behind', async () => {
    const incidents = await sn().list('incident', { sysparm_query: `short_descriptionSTARTSWITH${marker}`, sysparm_fields: 'sys_id' });
    expect(incidents.result).toEqual([]);
    const attachments = await sn().list('sys_attachment', { sysparm_query: `file_nameSTARTSWITH${marker}`, sysparm_fields: 'sys_id' });
    expect(attachments.result).toEqual([]);
  });

  test('a case that fails reports why and still runs its cleanup', async () => {
    let cleaned = false;
    const outcome = await runCase(
      {
        name: 'deliberately failing',
        source: 'this test',
        async run({ cleanup }) {
          cleanup(async () => {
            cleaned = true;
          });
          throw new Error('expected failure');
        },
      },
      client(),
      marker,
    );
    expect(outcome).toMatchObject({ passed: false, error: 'expected failure' });
    expect(cleaned).toBe(true);
  });
});
