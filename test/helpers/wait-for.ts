/**
 * Waits until `check` returns a value that is not undefined/null/false (and returns it), polling
 * every `intervalMs`. Fails with `message` (and the last value seen) after `timeoutMs`. For
 * asynchronous effects (a push arriving, a job finishing) instead of fixed sleeps.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<Exclude<T, undefined | null | false>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last !== undefined && last !== null && last !== false) return last as Exclude<T, undefined | null | false>;
    if (Date.now() >= deadline) {
      throw new Error(`${options.message ?? 'condition not met'} within ${timeoutMs} ms (last value: ${JSON.stringify(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves once the clock is in a later whole second than `ms` (ServiceNow's times are whole seconds). */
export async function nextSecond(ms: number): Promise<void> {
  await waitFor(() => Math.floor(Date.now() / 1000) > Math.floor(ms / 1000), { intervalMs: 20, message: 'the next second' });
}
