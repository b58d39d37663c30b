import { IncidentSnError } from '../../shared/errors';
import { Command } from 'commander';
import { CONFORMANCE_CASES } from './cases';
import { ConformanceClient, type ConformanceAuth } from './client';
import { newRunMarker, runCase } from './runner';

/**
 * `npm run conformance -- --instance <url>`: runs the REST conformance cases against any instance.
 * Credentials come from the environment, never the command line: SN_CONFORMANCE_USER and
 * SN_CONFORMANCE_PASSWORD (Basic), or SN_CONFORMANCE_TOKEN (an OAuth access token).
 */
function authFromEnv(env: NodeJS.ProcessEnv): ConformanceAuth {
  if (env.SN_CONFORMANCE_TOKEN) return { bearer: env.SN_CONFORMANCE_TOKEN };
  if (env.SN_CONFORMANCE_USER && env.SN_CONFORMANCE_PASSWORD) return { user: env.SN_CONFORMANCE_USER, password: env.SN_CONFORMANCE_PASSWORD };
  throw new IncidentSnError('Set SN_CONFORMANCE_USER and SN_CONFORMANCE_PASSWORD (an admin of the instance), or SN_CONFORMANCE_TOKEN (an OAuth access token)', { code: 'conformance_credentials_missing' });
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = new Command()
    .name('conformance')
    .description('Runs the REST conformance cases against an instance. Every case creates its own incidents (and attachments) and deletes them afterwards.')
    .requiredOption('--instance <url>', 'instance URL, e.g. https://dev12345.service-now.com')
    .option('--only <text>', 'run only the cases whose name contains this text')
    .option('--list', 'list the cases and their sources without running them')
    .exitOverride();
  program.parse(argv, { from: 'user' });
  const options = program.opts<{ instance: string; only?: string; list?: boolean }>();
  const cases = CONFORMANCE_CASES.filter((c) => !options.only || c.name.toLowerCase().includes(options.only.toLowerCase()));
  if (options.list) {
    for (const c of cases) process.stdout.write(`${c.name}\n    source: ${c.source}\n`);
    return 0;
  }
  const url = new URL(options.instance);
  const client = new ConformanceClient(url.origin, authFromEnv(env));
  const marker = newRunMarker();
  process.stdout.write(`Running ${cases.length} cases against ${url.origin} (records created carry "${marker}")\n`);
  let failed = 0;
  for (const c of cases) {
    const outcome = await runCase(c, client, marker);
    if (!outcome.passed) failed++;
    process.stdout.write(`${outcome.passed ? 'PASS' : 'FAIL'}  ${c.name}\n`);
    if (!outcome.passed) process.stdout.write(`      ${outcome.error}\n      source: ${c.source}\n`);
    for (const e of outcome.cleanupErrors) process.stdout.write(`      cleanup failed (look for records containing "${marker}"): ${e}\n`);
  }
  process.stdout.write(`${cases.length - failed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
