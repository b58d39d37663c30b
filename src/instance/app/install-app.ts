import type { Logger } from 'pino';
import type { InstanceEngine } from '../records/engine';
import { loadAppBuild } from './build-cache';
import { installBuild, type InstallSummary } from './installer';

export interface InstallAppInput {
  engine: InstanceEngine;
  /** The build output folder (`dist/app`, as `now-sdk build` writes it). */
  appDir: string;
  logger: Logger;
}

/**
 * Installs an app build folder into the instance (startInstance calls it when the `app` option is
 * set, after seeding and before listening). Idempotent: installing the same build again changes
 * nothing but adds a sys_upgrade_history row.
 */
export async function installApp(input: InstallAppInput): Promise<InstallSummary> {
  const build = loadAppBuild(input.appDir);
  return installBuild(input.engine, build, { logger: input.logger });
}
