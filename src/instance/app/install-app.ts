import type { Logger } from 'pino';
import { InstanceError } from '../errors';
import type { InstanceEngine } from '../records/engine';

export interface InstallAppInput {
  engine: InstanceEngine;
  /** The build output folder (`dist/app`, as `now-sdk build` writes it). */
  appDir: string;
  logger: Logger;
}

/**
 * Installs an app build into the instance. Placeholder: the app installer replaces this function
 * (startInstance calls it when the `app` option is set, after seeding and before listening).
 */
export async function installApp(_input: InstallAppInput): Promise<void> {
  throw new InstanceError('installing an app is not supported yet', { code: 'not_implemented' });
}
