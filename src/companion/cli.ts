import type { Command } from 'commander';
import { registerImportCatalogCommand } from './catalog/command';
import type { CommandIo } from './commands/command-io';
import { DEFAULT_PUBLIC_URL } from './connect/connection-name';

import { promptHidden } from './commands/prompt';
import { CONNECT_OPTIONS, DATABASE_URL_FLAG, DATABASE_URL_HELP, type ConnectFlags } from './commands/options';
import { runConnect } from './connect/run-connect';
import { runDoctor, type DoctorFlags } from './doctor/run-doctor';
import { runResend, type ResendFlags } from './doctor/run-resend';
import { registerServeCommand } from './server/serve-command';
import { DEFAULT_DB_FILE, SECRET_KEY_ENV } from './store';
import { registerUserCommand } from './web/user-command';

/**
 * The companion's setup commands: connect, doctor, resend. Options also come from environment
 * variables (named in each option's help); the commands set the exit status, they never exit.
 */

/** The process's terminal: prompts only when standard input is one, and on stderr so --json stays clean. */
export function processIo(): CommandIo {
  const io: CommandIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  };
  if (process.stdin.isTTY) io.promptSecret = (label) => promptHidden(label, process.stdin, process.stderr);
  return io;
}

function describe(key: keyof typeof CONNECT_OPTIONS, extra = ''): string {
  const spec = CONNECT_OPTIONS[key];
  return `${spec.label}${extra} [env ${spec.env}]`;
}

export function registerCompanionCommands(program: Command, io: () => CommandIo = processIo): void {
  program
    .command('connect')
    .description(
      'Check an instance against the setup guide (steps 1 to 5), configure the incident.io app\'s push, and store the ' +
        'connection. Exit status: 0 every check passed, 1 a check failed (nothing stored), 2 the command could not run.',
    )
    .option('--instance <instance>', describe('instance', ': "acme", "acme.service-now.com" or a URL such as http://127.0.0.1:8080'))
    .option('--client-id <id>', describe('clientId', ' (setup guide step 2)'))
    .option('--client-secret <secret>', describe('clientSecret', '; prompted for on a terminal. Prefer the variable: arguments are visible to other users'))
    .option('--username <name>', describe('username', ' (setup guide step 3)'))
    .option('--password <password>', describe('password', '; prompted for on a terminal. Prefer the variable or the prompt'))
    .option('--name <name>', describe('name', ': default the stored one for this instance, else the subdomain'))
    .option('--public-url <url>', describe('publicUrl', `: where the instance reaches it (default ${DEFAULT_PUBLIC_URL}); pushes go to <url>/webhooks/servicenow/<name>`))
    .option('--db <file>', describe('db', ` (default ${DEFAULT_DB_FILE}; secrets encrypted with ${SECRET_KEY_ENV} or the secret.key next to it)`))
    .option(DATABASE_URL_FLAG, DATABASE_URL_HELP)
    .option('--json', 'print only a JSON array of {id, ok, message, step}')
    .action(async (flags: ConnectFlags) => {
      process.exitCode = (await runConnect(flags, io())).exitCode;
    });

  program
    .command('doctor')
    .description(
      'Re-run connect\'s checks against a stored connection without changing anything, and report the app\'s delivery ' +
        'health (dead events, backlog, last delivery). Exit status: 0 healthy, 1 something needs attention, 2 could not run.',
    )
    .option('--name <name>', describe('name', ': required when more than one connection is stored'))
    .option('--db <file>', describe('db', ` (default ${DEFAULT_DB_FILE})`))
    .option(DATABASE_URL_FLAG, DATABASE_URL_HELP)
    .option('--json', 'print only a JSON array of {id, ok, message, step}')
    .action(async (flags: DoctorFlags) => {
      process.exitCode = (await runDoctor(flags, io())).exitCode;
    });

  program
    .command('resend')
    .description('Ask the incident.io app to deliver events again (POST /api/x_incident_io/v1/sync/resend); give --incident or --since.')
    .option('--incident <number|sys_id>', "that incident's delivered, failed and dead events")
    .option('--since <time>', 'every event queued since then (ISO 8601, or "YYYY-MM-DD HH:MM:SS" in UTC)')
    .option('--name <name>', describe('name', ': required when more than one connection is stored'))
    .option('--db <file>', describe('db', ` (default ${DEFAULT_DB_FILE})`))
    .option(DATABASE_URL_FLAG, DATABASE_URL_HELP)
    .option('--json', 'print only JSON: {"requeued": N}')
    .action(async (flags: ResendFlags) => {
      process.exitCode = (await runResend(flags, io())).exitCode;
    });

  registerImportCatalogCommand(program, io);
  registerServeCommand(program, io);
  registerUserCommand(program, io);
}
