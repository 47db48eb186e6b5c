import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MetadataOpenError } from './metadata-errors.ts';
import { openMetadata } from './open-database.ts';
import { postgresTarget, redactUrl } from './open-postgres.ts';

const SERVER = process.env['CLEANROOM_TEST_POSTGRES_URL'];

/** A loopback port nobody listens on (taken and released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function openError(spec: string): Promise<MetadataOpenError> {
  const e: unknown = await openMetadata(spec).then(
    async (db) => {
      await db.destroy();
      return undefined;
    },
    (err: unknown) => err,
  );
  if (!(e instanceof MetadataOpenError)) throw new Error(`expected a MetadataOpenError, got ${String(e)}`);
  return e;
}

describe('openMetadata: which database, and what to do when it cannot be opened', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('opens a SQLite file with the DDL it always had', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-meta-'));
    dirs.push(dir);
    const db = await openMetadata(join(dir, 'metadata.db'));
    const { rows } = await sql<{ sql: string }>`SELECT sql FROM sqlite_master WHERE name = 'privacy_ledger'`.execute(db);
    // Existing workspaces were created with exactly these column definitions.
    expect(rows[0]?.sql).toContain('"id" integer primary key autoincrement');
    expect(rows[0]?.sql).toContain('"epsilon" real not null');
    expect(rows[0]?.sql).toContain('"query_id" text not null');
    await db.destroy();
  });

  it('names where a URL points, never its password', () => {
    expect(postgresTarget('postgres://cr:s%40cret@db.internal:6543/meta')).toEqual({
      host: 'db.internal', port: '6543', database: 'meta', user: 'cr', password: 's@cret',
    });
    // libpq's defaults: port 5432, database named after the user.
    expect(postgresTarget('postgresql://cr@db.internal')).toMatchObject({ port: '5432', database: 'cr' });
    expect(redactUrl('postgres://cr:hunter2@db:5432/meta')).toBe('postgres://cr:***@db:5432/meta');
  });

  it('refuses a malformed URL without echoing the password', async () => {
    const e = await openError('postgres://cr:hunter2@db:notaport/meta');
    expect(e.code).toBe('metadata-url-invalid');
    expect(e.message).toContain('postgres://cr:***@db:notaport/meta');
    expect(e.message).not.toContain('hunter2');
  });

  it('refuses other URL schemes', async () => {
    const e = await openError('mysql://cr:hunter2@db/meta');
    expect(e.code).toBe('metadata-url-unsupported');
    expect(e.message).toMatch(/cannot be a mysql:\/\/ URL; give a PostgreSQL URL/);
  });

  it('says the server refused the connection, naming host, port and database', async () => {
    const port = await closedPort();
    const e = await openError(`postgres://cr:hunter2@127.0.0.1:${port}/meta`);
    expect(e.code).toBe('metadata-unreachable');
    expect(e.reason).toBe(`cannot connect to the metadata database at 127.0.0.1:${port}/meta as user 'cr': connection refused`);
    expect(e.hint).toMatch(/^start PostgreSQL there, or correct the host and port in --metadata/);
    expect(e.message).not.toContain('hunter2');
  });

  describe.skipIf(SERVER === undefined)('against a real PostgreSQL server', () => {
    const server = new URL(SERVER ?? 'postgres://unset');

    it('says the password was refused', async () => {
      const wrong = new URL(server);
      wrong.password = 'not-the-password';
      const e = await openError(wrong.toString());
      expect(e.code).toBe('metadata-auth-failed');
      expect(e.reason).toBe(`PostgreSQL at ${server.hostname}:${server.port} refused the password of user '${server.username}'`);
      expect(e.message).not.toContain('not-the-password');
    });

    it('says a password is needed when none is given', async () => {
      const bare = new URL(server);
      bare.password = '';
      const saved = process.env['PGPASSWORD'];
      delete process.env['PGPASSWORD'];
      try {
        expect((await openError(bare.toString())).code).toBe('metadata-auth-failed');
      } finally {
        if (saved !== undefined) process.env['PGPASSWORD'] = saved;
      }
    });

    it('says the database does not exist and how to create it', async () => {
      const missing = new URL(server);
      missing.pathname = '/no_such_metadata_db';
      const e = await openError(missing.toString());
      expect(e.code).toBe('metadata-database-missing');
      expect(e.reason).toBe(`database 'no_such_metadata_db' does not exist on ${server.hostname}:${server.port}`);
      expect(e.hint).toBe(`create it first: createdb -h ${server.hostname} -p ${server.port} -U ${server.username} no_such_metadata_db`);
    });

    it('says which privilege is missing when the user may not create the tables', async () => {
      const suffix = `${process.pid}_${Date.now()}`;
      const admin = new pg.Client({ connectionString: server.toString() });
      await admin.connect();
      try {
        await admin.query(`CREATE ROLE cr_reader_${suffix} LOGIN PASSWORD 'reader-pw'`);
        await admin.query(`CREATE DATABASE cr_locked_${suffix}`);
        const reader = new URL(server);
        // The default since PostgreSQL 15; said explicitly for older servers.
        const locked = new URL(server);
        locked.pathname = `/cr_locked_${suffix}`;
        const owner = new pg.Client({ connectionString: locked.toString() });
        await owner.connect();
        await owner.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
        await owner.end();
        reader.username = `cr_reader_${suffix}`;
        reader.password = 'reader-pw';
        reader.pathname = `/cr_locked_${suffix}`;
        const e = await openError(reader.toString());
        expect(e.code).toBe('metadata-permission-denied');
        expect(e.reason).toMatch(new RegExp(`^user 'cr_reader_${suffix}' may not create the control-plane tables in database 'cr_locked_${suffix}': permission denied`));
        expect(e.hint).toBe(`connect as the database's owner, or grant it: GRANT CREATE ON SCHEMA public TO "cr_reader_${suffix}"`);
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS cr_locked_${suffix} WITH (FORCE)`);
        await admin.query(`DROP ROLE IF EXISTS cr_reader_${suffix}`);
        await admin.end();
      }
    });
  });
});
