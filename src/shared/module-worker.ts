import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on a module file of this project. The sources run as TypeScript through
 * tsx (bin/incident-sn.js, jest): a `.ts` entry gets tsx registered in the new thread before it is
 * loaded; a compiled `.js` entry is loaded as it is. The entry is a real file, so whatever compiles
 * the sources compiles the worker too.
 */
export function startModuleWorker(entry: string, options: WorkerOptions = {}): Worker {
  if (path.extname(entry) !== '.ts') return new Worker(entry, options);
  const source = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();\nrequire(${JSON.stringify(entry)});`;
  return new Worker(source, { ...options, eval: true });
}

/** The file `name` next to the calling module, with the caller's extension (`.ts` from source, `.js` once compiled). */
export function siblingModule(dirname: string, filename: string, name: string): string {
  return path.join(dirname, `${name}${path.extname(filename)}`);
}
