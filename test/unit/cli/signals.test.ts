import { EventEmitter } from 'node:events';
import { stopWhenLauncherExits } from '../../../src/cli/launcher-watch';
import { onStopSignals, REPEAT_WINDOW_MS } from '../../../src/shared/stop-signals';
import { waitFor } from '../../helpers/wait-for';

describe('onStopSignals', () => {
  function setup() {
    const target = new EventEmitter();
    let now = 0;
    const stops: string[] = [];
    const forced: string[] = [];
    const dispose = onStopSignals({
      stop: (s) => stops.push(s),
      force: (s) => forced.push(s),
      nowMs: () => now,
      target: target as unknown as NodeJS.Process,
    });
    return { target, stops, forced, dispose, advance: (ms: number) => (now += ms) };
  }

  it('stops once on the first SIGINT or SIGTERM, ignores the same stop delivered twice, and exits at once on a later one', () => {
    const s = setup();
    s.target.emit('SIGINT', 'SIGINT');
    s.advance(REPEAT_WINDOW_MS - 1);
    s.target.emit('SIGINT', 'SIGINT'); // the terminal's Ctrl+C, and npm passing it on
    expect(s.stops).toEqual(['SIGINT']);
    expect(s.forced).toEqual([]);
    s.advance(1);
    s.target.emit('SIGTERM', 'SIGTERM');
    expect(s.forced).toEqual(['SIGTERM']);
    s.dispose();
    expect(s.target.listenerCount('SIGINT') + s.target.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('stopWhenLauncherExits', () => {
  it('under npm, stops the process once the parent that started it is gone', async () => {
    let parentAlive = true;
    let gone = 0;
    const dispose = stopWhenLauncherExits({ env: { npm_lifecycle_event: 'npx' }, parentPid: 4242, isAlive: () => parentAlive, onParentGone: () => gone++, intervalMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(gone).toBe(0);
    parentAlive = false;
    await waitFor(() => gone === 1);
    dispose();
  });

  it('does nothing outside npm (nohup incident-sn serve & outlives its shell)', async () => {
    let gone = 0;
    stopWhenLauncherExits({ env: {}, parentPid: 4242, isAlive: () => false, onParentGone: () => gone++, intervalMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(gone).toBe(0);
  });
});
