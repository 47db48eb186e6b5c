/**
 * Why the metadata database could not be opened, when the operator can fix it: a bad
 * URL, a server that does not answer, a refused login, a missing database. Shaped like
 * a diagnostic (stable kebab-case code, message, hint) so a shell can show it as one;
 * `message` carries the hint too, for callers that print only that. Never contains the
 * password.
 */
export class MetadataOpenError extends Error {
  override readonly name = 'MetadataOpenError';
  constructor(
    readonly code: string,
    readonly reason: string,
    readonly hint: string,
  ) {
    super(`${reason}; ${hint}`);
  }
}

/** Where a PostgreSQL URL points, for messages. */
export interface PostgresTarget {
  readonly host: string;
  readonly port: string;
  readonly database: string;
  readonly user: string;
  /** Only to scrub it from server messages; never printed. */
  readonly password: string;
}

/** `host:port/database as user`: names the server without the password. */
export function describeTarget(t: PostgresTarget): string {
  return `${t.host}:${t.port}/${t.database} as user '${t.user}'`;
}

/** Node error codes and SQLSTATEs of an error, including each of an AggregateError's (IPv4 and IPv6 tried in turn). */
function codesOf(e: unknown): string[] {
  if (typeof e !== 'object' || e === null) return [];
  const own = 'code' in e && typeof e.code === 'string' ? [e.code] : [];
  const inner = 'errors' in e && Array.isArray(e.errors) ? e.errors.flatMap(codesOf) : [];
  return [...own, ...inner];
}

function messageOf(e: unknown, t: PostgresTarget): string {
  const text = e instanceof Error ? e.message : String(e);
  return t.password === '' ? text : text.split(t.password).join('***');
}

const URL_SHAPE = 'postgres://user:password@host:5432/database';

/** Translates a failure to connect (or to run the first statement) into what to do about it. */
export function connectionError(e: unknown, t: PostgresTarget): MetadataOpenError {
  const codes = codesOf(e);
  const message = messageOf(e, t);
  const where = describeTarget(t);
  if (codes.includes('ECONNREFUSED')) {
    return new MetadataOpenError('metadata-unreachable', `cannot connect to the metadata database at ${where}: connection refused`,
      `start PostgreSQL there, or correct the host and port in --metadata (${URL_SHAPE})`);
  }
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) {
    return new MetadataOpenError('metadata-unreachable', `cannot connect to the metadata database: host '${t.host}' not found`,
      `correct the host in --metadata (${URL_SHAPE})`);
  }
  if (codes.includes('ETIMEDOUT') || /timeout/i.test(message)) {
    return new MetadataOpenError('metadata-unreachable', `no answer from the metadata database at ${where}`,
      'check the host and port in --metadata and that no firewall is in the way');
  }
  if (codes.includes('28P01')) {
    return new MetadataOpenError('metadata-auth-failed', `PostgreSQL at ${t.host}:${t.port} refused the password of user '${t.user}'`,
      `correct the user and password in --metadata (${URL_SHAPE}; percent-encode special characters such as @ : / in the password)`);
  }
  if (/password must be a string|no password/i.test(message)) {
    return new MetadataOpenError('metadata-auth-failed', `PostgreSQL at ${t.host}:${t.port} asks user '${t.user}' for a password and none was given`,
      `put it in --metadata (${URL_SHAPE}) or in the PGPASSWORD environment variable`);
  }
  if (codes.includes('28000')) {
    return new MetadataOpenError('metadata-auth-failed', `PostgreSQL at ${t.host}:${t.port} refused user '${t.user}': ${message}`,
      'create the role with LOGIN, or allow this host, user and database in pg_hba.conf');
  }
  if (codes.includes('3D000')) {
    return new MetadataOpenError('metadata-database-missing', `database '${t.database}' does not exist on ${t.host}:${t.port}`,
      `create it first: createdb -h ${t.host} -p ${t.port} -U ${t.user} ${t.database}`);
  }
  return new MetadataOpenError('metadata-unreachable', `cannot connect to the metadata database at ${where}: ${message}`,
    `check --metadata (${URL_SHAPE}) and that the server accepts this user`);
}

/** Translates a failed migration: a missing privilege is the operator's to fix; anything else is a bug. */
export function migrationError(e: unknown, t: PostgresTarget | undefined, where: string): Error {
  const codes = codesOf(e);
  const message = t === undefined ? (e instanceof Error ? e.message : String(e)) : messageOf(e, t);
  if (t !== undefined && codes.includes('42501')) {
    return new MetadataOpenError('metadata-permission-denied', `user '${t.user}' may not create the control-plane tables in database '${t.database}': ${message}`,
      `connect as the database's owner, or grant it: GRANT CREATE ON SCHEMA public TO "${t.user}"`);
  }
  return new Error(`Internal error: migrating the metadata database ${where} failed: ${message}`);
}
