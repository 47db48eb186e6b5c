import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { connectionError, MetadataOpenError, type PostgresTarget } from './metadata-errors.ts';

const INT8_OID = 20;
const URL_PATTERN = /^postgres(ql)?:\/\//i;

/** Whether a `--metadata` value names a PostgreSQL server rather than a SQLite file. */
export function isPostgresUrl(spec: string): boolean {
  return URL_PATTERN.test(spec);
}

/** The URL with its password replaced by `***`, for messages. */
export function redactUrl(spec: string): string {
  return spec.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}

/**
 * Where a `postgres://` URL points, with libpq's defaults (localhost, 5432, database named
 * after the user). A URL that does not parse is refused without echoing it: it may hold
 * a password.
 */
export function postgresTarget(spec: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new MetadataOpenError('metadata-url-invalid', `the metadata URL ${redactUrl(spec)} is not a valid URL`,
      'write it as postgres://user:password@host:5432/database, percent-encoding special characters such as @ : / in the password');
  }
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const user = decode(url.username) || process.env['PGUSER'] || process.env['USER'] || 'postgres';
  return {
    host: url.searchParams.get('host') ?? (url.hostname || 'localhost'),
    port: url.port || '5432',
    database: decode(url.pathname.replace(/^\//, '')) || user,
    user,
    password: decode(url.password),
  };
}

/**
 * Connects to PostgreSQL and runs one statement, so that a wrong host, port, password or
 * database fails here with what to do about it rather than in the first migration.
 * BIGINT columns (ids, counts, bytes: integer on SQLite, see postgres-schema.ts) come back
 * as numbers, like SQLite's integers; pg would give strings. They stay far below 2^53.
 */
export async function openPostgres<DB>(spec: string): Promise<{ db: Kysely<DB>; target: PostgresTarget }> {
  const target = postgresTarget(spec);
  const settings = { connectionString: spec, connectionTimeoutMillis: 10_000, application_name: 'cleanroom' };
  // A client of our own rather than the pool's: when pg fails mid-login (no password for
  // SCRAM) it leaves the socket open, and the server's half-logged-in backend would hold
  // up DROP DATABASE until authentication_timeout; only the client can close it.
  const probe = new pg.Client(settings);
  try {
    await probe.connect();
    await probe.query('SELECT 1');
  } catch (e) {
    probe.end().catch(() => undefined);
    throw connectionError(e, target);
  }
  await probe.end();
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, (text: string) => Number(text));
  const pool = new pg.Pool({ ...settings, types });
  // An idle connection that the server drops emits 'error' on the pool, which would end
  // the process; the next query gets a fresh connection (or a clear error) instead.
  pool.on('error', () => undefined);
  return { db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), target };
}
