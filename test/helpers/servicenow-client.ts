import { ServiceNowConnection, type ServiceNowConnectionOptions } from '../../src/companion/client/connection';
import type { FakeServiceNow } from './fake-servicenow';
import { fakeRuntime, type FakeRuntime } from './fake-runtime';

/** A connection to a FakeServiceNow with the fake's OAuth account and a fake clock. */
export function connectToFake(
  fake: FakeServiceNow,
  options: Partial<ServiceNowConnectionOptions> & { clock?: FakeRuntime } = {},
): { connection: ServiceNowConnection; clock: FakeRuntime } {
  const { clock = fakeRuntime(), ...rest } = options;
  const connection = new ServiceNowConnection({
    instance: fake.url,
    credentials: { kind: 'password', ...fake.account },
    runtime: clock.runtime,
    ...rest,
  });
  return { connection, clock };
}
