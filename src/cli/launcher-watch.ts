import { pidAlive } from '../shared/process-lock';

/**
 * When npm or npx started this process through a shell (`sh -c …`), a signal sent to npm's pid
 * reaches that shell, not node: npm passes SIGINT and SIGTERM on to its child, and Debian's sh
 * (dash) dies of SIGTERM without passing it on, leaving node running with nobody to stop it. So a
 * process npm started checks every second that its parent is still there; once it is gone, the
 * process stops itself as SIGTERM would stop it (cleanly, through the command's own handler).
 * Only under npm (npm_lifecycle_event is set): `nohup incident-sn serve &` outlives its shell.
 */

export interface LauncherWatchOptions {
  env: NodeJS.ProcessEnv;
  /** The parent's pid at start. */
  parentPid: number;
  /** Whether a pid runs. Default: signal 0. */
  isAlive?: (pid: number) => boolean;
  /** What to do once the parent is gone. Default: SIGTERM to this process. */
  onParentGone?: () => void;
  intervalMs?: number;
}

/** Starts watching (a no-op outside npm); returns a function that stops watching. */
export function stopWhenLauncherExits(options: LauncherWatchOptions): () => void {
  if (!options.env.npm_lifecycle_event || options.parentPid <= 1) return () => undefined;
  const isAlive = options.isAlive ?? pidAlive;
  const onParentGone = options.onParentGone ?? (() => process.kill(process.pid, 'SIGTERM'));
  const timer = setInterval(() => {
    if (isAlive(options.parentPid)) return;
    clearInterval(timer);
    onParentGone();
  }, options.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
