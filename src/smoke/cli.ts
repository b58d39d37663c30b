/**
 * npm run smoke -- --instance <url> [options]: the release smoke test against a real instance
 * (README, "Before a release"). Credentials come from SN_SMOKE_USERNAME and SN_SMOKE_PASSWORD.
 */
import { Command, InvalidArgumentError } from 'commander';
import { describeError } from '../shared/errors';
import { runSmoke, type SmokeStep } from './run-smoke';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`"${value}" is not a port or a number of seconds`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('smoke')
    .description('Checks the incident.io app on an instance end to end; installs nothing and leaves nothing behind.')
    .requiredOption('--instance <url>', 'the instance: https://<name>.service-now.com, <name>.service-now.com or <name>')
    .option('--via-companion', 'verify through the companion the app already pushes to (its 2xx proves the signature), changing no setting')
    .option('--public-url <url>', 'the URL the instance reaches this machine\'s receiver at (a tunnel; default http://<listen-host>:<port>/, local instances only)')
    .option('--listen-host <host>', 'where the receiver listens', '127.0.0.1')
    .option('--listen-port <port>', 'the receiver\'s port (0: any free one)', positiveInteger, 0)
    .option('--replace-secret', 'run the receiver mode even though a signing secret is configured (run incident-sn connect afterwards)')
    .option('--timeout <seconds>', 'how long to wait for each push', positiveInteger, 60)
    .addHelpText('after', '\nCredentials: SN_SMOKE_USERNAME and SN_SMOKE_PASSWORD (a user who may call the app API and create and delete incidents, e.g. the admin of a developer instance).');
  program.parse(argv);
  const opts = program.opts<{
    instance: string;
    viaCompanion?: boolean;
    publicUrl?: string;
    listenHost: string;
    listenPort: number;
    replaceSecret?: boolean;
    timeout: number;
  }>();
  const username = process.env.SN_SMOKE_USERNAME ?? '';
  const password = process.env.SN_SMOKE_PASSWORD ?? '';
  if (!username || !password) {
    console.error('Set SN_SMOKE_USERNAME and SN_SMOKE_PASSWORD: a user of the instance who may call the app API and create and delete incidents (e.g. its admin).');
    return 2;
  }
  const print = (step: SmokeStep): void => console.log(`${step.ok ? 'ok  ' : 'FAIL'} ${step.name}: ${step.detail}`);
  const result = await runSmoke(
    {
      instance: opts.instance,
      username,
      password,
      mode: opts.viaCompanion ? 'companion' : 'receiver',
      listenHost: opts.listenHost,
      listenPort: opts.listenPort,
      ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
      replaceSecret: Boolean(opts.replaceSecret),
      timeoutMs: opts.timeout * 1000,
    },
    print,
  );
  console.log(result.ok ? 'smoke test passed' : 'smoke test FAILED');
  return result.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(describeError(err));
      process.exit(1);
    },
  );
}
