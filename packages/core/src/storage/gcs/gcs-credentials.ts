import { createRequire } from 'node:module';

/** The environment variable holding a static OAuth2 access token that replaces Application Default Credentials. */
export const ACCESS_TOKEN_ENV = 'QUARRY_GCP_ACCESS_TOKEN';

/** The part of google-auth-library's `OAuth2Client` this module calls. */
interface OAuth2ClientLike {
  setCredentials(credentials: { access_token: string }): void;
}

/**
 * An auth client whose requests carry `Authorization: Bearer <token>` and nothing else: no refresh,
 * no metadata server. Returns `undefined` when no token is given (the client then uses ADC).
 *
 * It is built from the google-auth-library that `@google-cloud/storage` itself resolves, so the
 * client and the auth library agree on header and response shapes whatever the hoisting.
 */
export function staticTokenAuthClient(accessToken: string | undefined): unknown {
  const token = (accessToken ?? process.env[ACCESS_TOKEN_ENV] ?? '').trim();
  if (token === '') return undefined;
  const fromStorage = createRequire(createRequire(import.meta.url).resolve('@google-cloud/storage'));
  const { OAuth2Client } = fromStorage('google-auth-library') as { OAuth2Client: new () => OAuth2ClientLike };
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token });
  return client;
}
