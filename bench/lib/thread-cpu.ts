import fs from 'node:fs';

/** One thread's CPU time so far, microseconds. */
export interface ThreadCpu {
  tid: number;
  /** The thread's name (`comm`: `node` for the event loop, `V8 Worker`, `libuv-worker`, …). */
  name: string;
  user: number;
  system: number;
}

/** Microseconds per clock tick of /proc's times (USER_HZ, 100 on Linux). */
const TICK_US = 1e6 / 100;

/**
 * CPU time of each of this process's threads so far (Linux: /proc/self/task), in the order the
 * threads started (the event loop first, whose tid is the pid, then V8's and libuv's helpers, then
 * the worker threads); empty elsewhere. For the split between the event loop and the other threads.
 */
export function threadCpu(): ThreadCpu[] {
  const out: ThreadCpu[] = [];
  let tids: string[];
  try {
    tids = fs.readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The name is in parentheses and may hold spaces and parentheses: the fields follow the last ')'.
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ tid: Number(tid), name, user: Number(fields[11]) * TICK_US, system: Number(fields[12]) * TICK_US });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out.sort((a, b) => a.tid - b.tid);
}
