/** Stops the throw-away PostgreSQL cluster global-setup.ts started, and removes its folder. */
export default async function globalTeardown(): Promise<void> {
  globalThis.incidentSnTestCluster?.stop();
  globalThis.incidentSnTestCluster = undefined;
}
