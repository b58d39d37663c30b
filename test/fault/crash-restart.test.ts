import { killAll, killCompanion, outboxBacklog, printFigures, startCompanion, startSetup, teardown, outbox, type Setup } from './harness';
import { seededRandom, settleInParts, streamWithKills, Workload } from './workload';

// Issue 8, proof 1: the companion is killed with SIGKILL and restarted (the real binary, a separate
// process) three times while people change 20 incidents on both sides, 2,000 changes in all. Then
// every incident is linked exactly once, both sides agree on every field, every note is there
// exactly once on each side, and every field holds the value a person wrote last.

const INCIDENTS = 20;
const CHANGES = 2_000;
const KILLS = 3;
const LANES = 4;
/**
 * How long both sides may take to agree after the last change: the app's outbox drains through its
 * backoff and retry job after each outage, so on a busy machine this takes tens of seconds (the
 * figure is printed; the issue's 5 s target for resuming after a restart is the queue's bench).
 */
const SETTLE_DEADLINE_MS = 150_000;
/** The stream stops here even if it has not made all its changes (the figures then say how many it made). */
const STREAM_DEADLINE_MS = 130_000;
/** Past this many undelivered events in the app's outbox (while the companion is up), ServiceNow's side waits. */
const MAX_OUTBOX_BACKLOG = 100;
const SEED = Number(process.env.FAULT_SEED ?? 8);

jest.setTimeout(330_000);

let setup: Setup | undefined;
afterAll(async () => {
  killAll();
  await teardown(setup);
});

it(`survives ${KILLS} kill -9s of the companion during ${CHANGES} changes on ${INCIDENTS} incidents, losing, duplicating and reverting nothing`, async () => {
  setup = await startSetup();
  const s = setup;
  const work = new Workload(s, 'crash');
  await work.declare(INCIDENTS);
  const random = seededRandom(SEED);

  const { restarts, lastChange, streamSeconds } = await streamWithKills(s, work, random, {
    changes: CHANGES,
    kills: KILLS,
    lanes: LANES,
    streamDeadlineMs: STREAM_DEADLINE_MS,
    maxOutboxBacklog: MAX_OUTBOX_BACKLOG,
    companionDown: true,
    kill: async () => {
      await killCompanion(s);
      return 'the companion';
    },
    restart: async () => {
      await startCompanion(s);
    },
  });
  const { settled: settleSeconds, agreed, outboxWhenAgreed } = await settleInParts(s, work, lastChange, SETTLE_DEADLINE_MS);
  const verdict = await work.verify();
  const box = await outbox(s);
  if (box.undelivered > 0 || verdict.problems.length > 0) {
    process.stdout.write(`app outbox, oldest undelivered:\n${(await outboxBacklog(s)).join('\n')}\ncompanion's last output:\n${s.companion?.output().slice(-4000)}\n`);
  }
  printFigures({
    scenario: `1. kill -9 x${restarts.length} during changes on both sides (${INCIDENTS} incidents, ${work.writes.length} field changes + ${work.notes.length} notes in ${streamSeconds.toFixed(0)} s; ${work.unchangedSets} ServiceNow sets of a value it already had, so no write; restarts took ${restarts.map((r) => r.seconds.toFixed(1)).join(', ')} s)`,
    changes: verdict.changes,
    lost: verdict.lost,
    duplicated: verdict.duplicated,
    diverged: verdict.diverged,
    reverted: verdict.reverted,
    settleSeconds,
    notes:
      `both sides agreed after ${agreed === null ? '(never)' : `${agreed.toFixed(1)} s`}` +
      (outboxWhenAgreed ? ` (the app's outbox then held ${outboxWhenAgreed.undelivered} undelivered, up to ${outboxWhenAgreed.maxAttempts} attempts)` : '') +
      `; app outbox: ${box.undelivered} undelivered, ${box.dead} dead`,
  });
  expect(verdict.problems).toEqual([]);
  expect(work.refused).toEqual([]);
  expect(restarts.length).toBe(KILLS);
  expect(verdict.changes).toBeGreaterThanOrEqual(CHANGES);
  expect(box).toEqual({ undelivered: 0, dead: 0 });
  expect(settleSeconds).not.toBeNull();
});
