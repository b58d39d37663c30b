/**
 * How the companion signs in to an instance.
 * - `password`: the setup guide's way. An OAuth application (step 2) and a service account (step 3);
 *   the client exchanges them for a bearer token with the OAuth password grant.
 * - `basic`: HTTP basic authentication with the service account, for tools and tests.
 */
export type ServiceNowCredentials =
  | { kind: 'password'; clientId: string; clientSecret: string; username: string; password: string }
  | { kind: 'basic'; username: string; password: string };

export type OAuthPasswordCredentials = Extract<ServiceNowCredentials, { kind: 'password' }>;
