import type { Command } from 'commander';
import { createLogger } from '../../shared/logger';
import { startInstance } from '../index';
import { runInstalledTests, type SuiteOutcome } from './runner';

export interface AtfCommandOptions {
  app: string;
  scope?: string;
}

/** The report `incident-sn atf` prints: each test's outcome, the failing step's message, then the counts. */
export function formatSuite(outcome: SuiteOutcome): string {
  const lines: string[] = [];
  for (const test of outcome.tests) {
    lines.push(`${test.status === 'success' ? 'PASS' : 'FAIL'}  ${test.name} (${test.steps.length} steps, ${test.rolledBack} records rolled back)`);
    if (test.failure) lines.push(`      ${test.failure}`);
  }
  lines.push(`${outcome.passed} passed, ${outcome.failed} failed`);
  return `${lines.join('\n')}\n`;
}

/**
 * Starts a throw-away local instance, installs the app build, runs its ATF tests, prints the outcome
 * and returns the exit code: 0 when every test passed, 1 when one failed or there were none.
 */
export async function runAtfCommand(options: AtfCommandOptions, out: (text: string) => void): Promise<number> {
  const instance = await startInstance({ app: options.app, port: 0, logger: createLogger('instance', { level: 'warn' }), scheduler: { workers: 1 } });
  try {
    const scope = options.scope ?? instance.appInstall?.scope;
    const outcome = await runInstalledTests({ engine: instance.engine, runtime: instance.runtime, baseUrl: instance.url, scope });
    if (outcome.tests.length === 0) {
      out(`No active ATF tests installed${scope ? ` for ${scope}` : ''} (from ${options.app}).\n`);
      return 1;
    }
    out(formatSuite(outcome));
    return outcome.failed === 0 ? 0 : 1;
  } finally {
    await instance.close();
  }
}

/** `incident-sn atf --app dist/app`: the app's ATF tests on a local instance. */
export function registerAtfCommand(program: Command): void {
  program
    .command('atf')
    .description("Run an app's ATF tests (sys_atf_test) on a throw-away local instance: install the build, run each test with rollback, print the results")
    .requiredOption('--app <dir>', 'the app build to install and test (the output of now-sdk build, e.g. dist/app)')
    .option('--scope <scope>', "only this application scope's tests (default: the installed app's)")
    .action(async (options: AtfCommandOptions) => {
      process.exitCode = await runAtfCommand(options, (text) => process.stdout.write(text));
    });
}
