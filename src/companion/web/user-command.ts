import type { Command } from 'commander';
import { EXIT, type CommandIo, type CommandOutcome } from '../commands/command-io';
import { envAction } from '../commands/env-options';
import { CommandOptionsError, connectOption, databaseUrlOption, storeOptionsOf } from '../commands/options';
import { printCommandError } from '../commands/output';
import { DEFAULT_DB_FILE, openStore } from '../store';
import { checkPasswordStrength, hashPassword } from './passwords';

/**
 * `incident-sn user add --email E`: a person who may sign in to the web pages. The password is
 * asked for twice without echo on a terminal, else read from standard input (one line), and never
 * taken as an argument (arguments are visible to other users of the machine).
 */

export interface UserAddFlags {
  email?: string;
  replace?: boolean;
  db?: string;
  databaseUrl?: string;
}

export interface UserIo extends CommandIo {
  /** The password from standard input when it is not a terminal. */
  readStdin?: () => Promise<string>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

async function readPassword(io: UserIo): Promise<string> {
  if (io.promptSecret) {
    const first = await io.promptSecret('Password: ');
    const again = await io.promptSecret('Password again: ');
    if (first !== again) throw new CommandOptionsError('The two passwords differ: nothing was saved. Run the command again.', 'password_mismatch');
    return first;
  }
  if (io.readStdin) {
    const text = await io.readStdin();
    return text.replace(/\r?\n$/, '');
  }
  throw new CommandOptionsError('Give the password on standard input (for example: printf %s "$PW" | incident-sn user add --email …) or run on a terminal.', 'missing_option');
}

export async function runUserAdd(flags: UserAddFlags, io: UserIo): Promise<CommandOutcome<{ email: string | null; created: boolean }>> {
  const email = (flags.email ?? '').trim().toLowerCase();
  try {
    if (!EMAIL.test(email) || email.length > 254) throw new CommandOptionsError('Give the user\'s email address: --email someone@example.com.', 'missing_option');
    const password = await readPassword(io);
    checkPasswordStrength(password);
    const store = await openStore(storeOptionsOf(flags, io.env));
    try {
      const hash = await hashPassword(password);
      if (flags.replace && (await store.users.setPassword(email, hash))) {
        io.stdout(`✔ New password set for ${email}; earlier lockouts cleared.\n`);
        return { exitCode: EXIT.ok, results: { email, created: false } };
      }
      await store.users.createUser(email, hash);
      io.stdout(`✔ User ${email} added: they can sign in to the companion's web pages.\n`);
      return { exitCode: EXIT.ok, results: { email, created: true } };
    } finally {
      await store.close().catch(() => undefined);
    }
  } catch (err) {
    printCommandError(io, err, false);
    return { exitCode: err instanceof CommandOptionsError ? EXIT.usage : EXIT.failed, results: { email: email || null, created: false } };
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}

export function registerUserCommand(program: Command, io: () => CommandIo): void {
  const user = program.command('user').description("People who may sign in to the companion's web pages.");
  user
    .command('add')
    .description('Add a user. The password is asked for without echo on a terminal, else read from standard input.')
    .requiredOption('--email <email>', 'their email address (the sign-in name)')
    .option('--replace', 'set a new password for an existing user (and clear a lockout)')
    .addOption(connectOption('db', '<file>', ` (default ${DEFAULT_DB_FILE})`))
    .addOption(databaseUrlOption())
    .action(
      envAction<UserAddFlags>(io, async (flags, base) => {
        const withStdin: UserIo = base.promptSecret ? base : { ...base, readStdin: () => readAll(process.stdin) };
        process.exitCode = (await runUserAdd(flags, withStdin)).exitCode;
      }),
    );
}
