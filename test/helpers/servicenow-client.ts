import { ServiceNowConnection, type ServiceNowConnectionOptions } from '../../src/companion/client/connection';
import { FakeServiceNow, type FakeServiceNowOptions } from './fake-servicenow';
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

/**
 * A FakeServiceNow per test for the describe block it is called in: started before each test,
 * closed (with every connection `connect` opened) after it.
 */
export function useFakeServiceNow(startOptions: FakeServiceNowOptions = {}): {
  /** This test's fake (read it inside a test or hook, not at describe time). */
  readonly fake: FakeServiceNow;
  /** A connection to this test's fake (see connectToFake), closed after the test. */
  connect: (options?: Parameters<typeof connectToFake>[1]) => ReturnType<typeof connectToFake>;
} {
  let current: FakeServiceNow | undefined;
  const open: ServiceNowConnection[] = [];
  beforeEach(async () => {
    current = await FakeServiceNow.start(startOptions);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await current?.close();
    current = undefined;
  });
  return {
    get fake(): FakeServiceNow {
      if (!current) throw new Error('useFakeServiceNow: the fake exists only inside a test or its hooks');
      return current;
    },
    connect: (options) => {
      const result = connectToFake(current!, options);
      open.push(result.connection);
      return result;
    },
  };
}

/** The error a call rejects with; fails the test when it resolves instead. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}
