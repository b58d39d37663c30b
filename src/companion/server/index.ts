/**
 * The companion's HTTP service. startCompanion() for code and tests; `incident-sn serve` for people.
 */
export { startCompanion, DEFAULT_HOST, DEFAULT_PORT, type RunningCompanion, type StartCompanionOptions } from './start-companion';
export { registerServeCommand, runServe, serveOptions, type ServeFlags } from './serve-command';
export { API_KEY_ENV, CompanionConfigError } from './api-auth';
