import type { Command } from 'commander';
import { registerImportCatalogCommand } from './catalog/command';
import type { CommandIo } from './commands/command-io';
import { DEFAULT_PUBLIC_URL } from './connect/connection-name';

import { promptHidden } from './commands/prompt';
import { envAction } from './commands/env-options';
import { connectOption, databaseUrlOption, type ConnectFlags } from './commands/options';
import { runConnect } from './connect/run-connect';
import { runDoctor, type DoctorFlags } from './doctor/run-doctor';
import { runResend, type ResendFlags } from './doctor/run-resend';
import { registerServeCommand } from './server/serve-command';
import { DEFAULT_DB_FILE, SECRET_KEY_ENV } from './store';
import { registerUserCommand } from './web/user-command';

/**
 * The companion's setup commands: connect, doctor, resend. Options also come from environment
 * variables (Option.env(): each option's help names its variable; the value is taken from the
 * command's io.env); the commands set the exit status, they never exit.
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

export function registerCompanionCommands(program: Command, io: () => CommandIo = processIo): void {
  program
    .command('connect')
    .description(
      'Check an instance against the setup guide (steps 1 to 5), configure the incident.io app\'s push, and store the ' +
        'connection. Exit status: 0 every check passed, 1 a check failed (nothing stored), 2 the command could not run.',
    )
    .addOption(connectOption('instance', '<instance>', ': "acme", "acme.service-now.com" or a URL such as http://127.0.0.1:8080'))
    .addOption(connectOption('clientId', '<id>', ' (setup guide step 2)'))
    .addOption(connectOption('clientSecret', '<secret>', '; prompted for on a terminal. Prefer the variable: arguments are visible to other users'))
    .addOption(connectOption('username', '<name>', ' (setup guide step 3)'))
    .addOption(connectOption('password', '<password>', '; prompted for on a terminal. Prefer the variable or the prompt'))
    .addOption(connectOption('name', '<name>', ': default the stored one for this instance, else the subdomain'))
    .addOption(
      connectOption('publicUrl', '<url>', `: where the instance reaches it (default ${DEFAULT_PUBLIC_URL}); pushes go to <url>/webhooks/servicenow/<name>`),
    )
    .addOption(connectOption('db', '<file>', ` (default ${DEFAULT_DB_FILE}; secrets encrypted with ${SECRET_KEY_ENV} or the secret.key next to it)`))
    .addOption(databaseUrlOption())
    .option('--json', 'print only a JSON array of {id, ok, message, step}')
    .action(
      envAction<ConnectFlags>(io, async (flags, commandIo) => {
        process.exitCode = (await runConnect(flags, commandIo)).exitCode;
      }),
    );

  program
    .command('doctor')
    .description(
      'Re-run connect\'s checks against a stored connection without changing anything, and report the app\'s delivery ' +
        'health (dead events, backlog, last delivery). Exit status: 0 healthy, 1 something needs attention, 2 could not run.',
    )
    .addOption(connectOption('name', '<name>', ': required when more than one connection is stored'))
    .addOption(connectOption('db', '<file>', ` (default ${DEFAULT_DB_FILE})`))
    .addOption(databaseUrlOption())
    .option('--json', 'print only a JSON array of {id, ok, message, step}')
    .action(
      envAction<DoctorFlags>(io, async (flags, commandIo) => {
        process.exitCode = (await runDoctor(flags, commandIo)).exitCode;
      }),
    );

  program
    .command('resend')
    .description('Ask the incident.io app to deliver events again (POST /api/x_incident_io/v1/sync/resend); give --incident or --since.')
    .option('--incident <number|sys_id>', "that incident's delivered, failed and dead events")
    .option('--since <time>', 'every event queued since then (ISO 8601, or "YYYY-MM-DD HH:MM:SS" in UTC)')
    .addOption(connectOption('name', '<name>', ': required when more than one connection is stored'))
    .addOption(connectOption('db', '<file>', ` (default ${DEFAULT_DB_FILE})`))
    .addOption(databaseUrlOption())
    .option('--json', 'print only JSON: {"requeued": N}')
    .action(
      envAction<ResendFlags>(io, async (flags, commandIo) => {
        process.exitCode = (await runResend(flags, commandIo)).exitCode;
      }),
    );

  registerImportCatalogCommand(program, io);
  registerServeCommand(program, io);
  registerUserCommand(program, io);
}
