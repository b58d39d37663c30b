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
