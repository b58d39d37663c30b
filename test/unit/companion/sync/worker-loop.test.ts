import { WorkerLoop } from '../../../../src/companion/sync/worker-loop';
import { silentLogger } from '../../../../src/shared/logger';
import { waitFor } from '../../../helpers/wait-for';

/** An idle worker does not claim in a loop: it reads when work is due, and claims only then (or when woken). */

describe('an idle worker', () => {
  let loop: WorkerLoop | undefined;
  afterEach(async () => loop?.stop(100));

  it('reads "when is work due" on each timer and claims only when something is due or it is woken', async () => {
    let steps = 0;
    let reads = 0;
    let due: Date | null = null;
    loop = new WorkerLoop({
      name: 'test',
      concurrency: 1,
      idleMs: 5,
      logger: silentLogger(),
      step: async () => {
        steps += 1;
        return false;
      },
      nextDueAt: async () => {
        reads += 1;
        return due;
      },
    });
    loop.start();
    await waitFor(() => reads >= 20);
    // Nothing open: one claim at start, then only cheap reads.
    expect(steps).toBe(1);

    loop.wake();
    await waitFor(() => steps === 2);
    due = new Date(Date.now() + 60_000);
    const readsBefore = reads;
    await waitFor(() => reads >= readsBefore + 20);
    expect(steps).toBe(2);

    // Work becomes due (stored by another process): the next timer claims it.
    due = new Date(Date.now() - 1);
    await waitFor(() => steps >= 3);
  });
});

describe('wakeOne', () => {
  let loop: WorkerLoop | undefined;
  let release: () => void = () => undefined;
  afterEach(async () => {
    release();
    await loop?.stop(100);
  });

  it('wakes one idle slot per unit of work, and the rest stay asleep', async () => {
    let steps = 0;
    let busy = 0;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    loop = new WorkerLoop({
      name: 'test',
      concurrency: 3,
      idleMs: 600_000,
      logger: silentLogger(),
      step: async () => {
        steps += 1;
        if (!holding) return false;
        busy += 1;
        await held;
        busy -= 1;
        return false;
      },
      nextDueAt: async () => null,
    });
    loop.start();
    // Each slot made its first claim and went to sleep.
    await waitFor(() => steps === 3 && loop!.status().busy === 0);
    holding = true;

    loop.wakeOne();
    // Every woken slot steps within the same turn (promise continuations): by the time waitFor looks, all have.
    await waitFor(() => steps === 4);
    expect(busy).toBe(1);

    loop.wakeOne();
    await waitFor(() => steps === 5);
    expect(busy).toBe(2);

    // wake() is for work of unknown size: it wakes every idle slot.
    loop.wake();
    await waitFor(() => steps === 6);
    expect(busy).toBe(3);
  });
});
