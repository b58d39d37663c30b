import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  NotServiceNowError,
  ServiceNowConnection,
  ServiceNowForbiddenError,
  ServiceNowHttpError,
  ServiceNowNotFoundError,
  SyncApiClient,
  TableClient,
  UnexpectedAppResponseError,
  type InstanceUrl,
  type ServiceNowConnectionOptions,
  type SyncHealth,
} from '../client';
import type { ConnectionMode, Secret } from '../store';

/**
 * What the checks share for one run against one instance: the client (one OAuth token for every
 * call), and what earlier checks found out, so later checks neither repeat calls nor guess.
 */

/** Retries for an interactive command: give up sooner than a background sync would. */
export const SETUP_CONNECTION_DEFAULTS: Partial<ServiceNowConnectionOptions> = {
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  retry: { maxAttempts: 3, baseDelayMs: 300, maxDelayMs: 2_000, maxTotalMs: 15_000 },
  rateLimit: { maxWaitMs: 10_000, maxRetries: 2 },
};

export interface SetupCredentials {
  instanceUrl: InstanceUrl;
  clientId: string;
  clientSecret: Secret;
  username: string;
  password: Secret;
}

/** What the app's GET /health told us (or why it could not). */
export type AppProbe =
  | { kind: 'installed'; health: SyncHealth }
  /** 404, or 400 "Requested URI does not represent any resource": the API does not exist. */
  | { kind: 'missing'; error: ServiceNowHttpError }
  /** 403: the app is there, but the service account may not call it. */
  | { kind: 'forbidden'; error: ServiceNowHttpError }
  /** The app answered, but not in the shape this companion knows. */
  | { kind: 'unexpected'; error: Error }
  /** Anything else (rate limit, network, 5xx): says nothing about the app. */
  | { kind: 'failed'; error: unknown };

export interface RoleFacts {
  admin: boolean;
  missing: string[];
  source: 'sys_user_has_role' | 'app health';
}

/** Connect configures the app's push; doctor only compares it with what is stored. */
export type PushPlan =
  | { kind: 'configure'; webhookUrl: string; integrationUser: string; generateSecret: () => Secret }
  | { kind: 'verify'; webhookUrl: string; integrationUser: string; storedMode: ConnectionMode };

export interface SetupSessionOptions extends SetupCredentials {
  /** The connection's name (for messages that suggest a command). */
  connectionName: string;
  push: PushPlan;
  connectionOptions?: Partial<ServiceNowConnectionOptions>;
}

const NO_RESOURCE = /does not represent any resource/i;

export class SetupSession {
  readonly credentials: SetupCredentials;
  readonly connection: ServiceNowConnection;
  readonly table: TableClient;
  readonly sync: SyncApiClient;
  readonly push: PushPlan;
  readonly connectionName: string;
  readonly connectionOptions: Partial<ServiceNowConnectionOptions>;

  /** Set by the roles check. */
  roles?: RoleFacts;
  /** Set by the app check: how incident.io will sync with this instance. */
  mode?: ConnectionMode;
  /** Set by connect's push check once the app took the new signing secret. */
  configuredSecret?: Secret;

  /** What the app's health said, once asked. */
  appProbeResult?: AppProbe;

  private appProbeMemo?: Promise<AppProbe>;

  constructor(options: SetupSessionOptions) {
    this.credentials = {
      instanceUrl: options.instanceUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      username: options.username,
      password: options.password,
    };
    this.push = options.push;
    this.connectionName = options.connectionName;
    this.connectionOptions = { ...SETUP_CONNECTION_DEFAULTS, ...options.connectionOptions };
    this.connection = new ServiceNowConnection({
      ...this.connectionOptions,
      instance: options.instanceUrl,
      credentials: {
        kind: 'password',
        clientId: options.clientId,
        clientSecret: options.clientSecret.reveal(),
        username: options.username,
        password: options.password.reveal(),
      },
    });
    this.table = new TableClient(this.connection);
    this.sync = new SyncApiClient(this.connection);
  }

  /** The app's health, asked once per run (the roles check may ask before the app check). */
  appProbe(): Promise<AppProbe> {
    this.appProbeMemo ??= this.probeApp().then((probe) => {
      this.appProbeResult = probe;
      return probe;
    });
    return this.appProbeMemo;
  }

  /** Asks the app's health again (after connect changed its configuration). */
  async freshHealth(): Promise<SyncHealth> {
    return this.sync.health();
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private async probeApp(): Promise<AppProbe> {
    try {
      return { kind: 'installed', health: await this.sync.health() };
    } catch (err) {
      if (err instanceof ServiceNowNotFoundError) return { kind: 'missing', error: err };
      if (err instanceof ServiceNowForbiddenError) return { kind: 'forbidden', error: err };
      if (
        err instanceof ServiceNowHttpError &&
        err.status === 400 &&
        NO_RESOURCE.test(`${err.serviceNowMessage ?? ''} ${err.serviceNowDetail ?? ''}`)
      ) {
        return { kind: 'missing', error: err };
      }
      if (err instanceof UnexpectedAppResponseError || err instanceof NotServiceNowError) return { kind: 'unexpected', error: err };
      return { kind: 'failed', error: err };
    }
  }
}
