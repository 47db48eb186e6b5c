/**
 * The API on a real listener: plain HTTP on loopback, TLS with a certificate made here,
 * `cleanroom serve` as a process (refusing a public address without TLS, stopping
 * cleanly on SIGTERM).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback, parseBytes } from '../src/cli/commands/serve.ts';
import { ApiWorld } from './support/api-world.ts';
import { runCli } from './support/run-cli.ts';
import { startServe } from './support/serve-process.ts';

describe('a listening server', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cr-listen-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers over plain HTTP on loopback, with a request id on every answer', async () => {
    const world = await ApiWorld.start();
    try {
      const base = await world.server.app.listen({ host: '127.0.0.1', port: 0 });
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const me = await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${world.adminToken}` } });
      expect(await me.json()).toMatchObject({ role: 'admin' });
      const anonymous = await fetch(`${base}/v1/me`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    } finally {
      await world.close();
    }
  });

  it('logs one JSON line per request with its request id, never the key', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
        done();
      },
    });
    const world = await ApiWorld.start({ logger: { level: 'info', stream } });
    try {
      const r = await world.call(world.adminToken, 'GET', '/v1/me');
      const id = String(r.headers['x-request-id']);
      const records = lines.map((l) => JSON.parse(l) as { reqId?: string; msg?: string });
      expect(records.filter((x) => x.reqId === id).map((x) => x.msg)).toEqual(['incoming request', 'request completed']);
      expect(lines.join('\n')).not.toContain(world.adminToken.slice(4));
    } finally {
      await world.close();
    }
  });

  it('speaks TLS with the given certificate and key', async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    const world = await ApiWorld.start({ tls: { key: readFileSync(key), cert: readFileSync(cert) } });
    try {
      const base = await world.server.app.listen({ host: '127.0.0.1', port: 0 });
      expect(base.startsWith('https://')).toBe(true);
      const body = await new Promise<string>((resolve, reject) => {
        const req = request(`${base}/v1/me`, { ca: readFileSync(cert), headers: { authorization: `Bearer ${world.adminToken}` } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(body)).toMatchObject({ role: 'admin' });
      // A client that does not trust the certificate does not get through.
      await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    } finally {
      await world.close();
    }
  });

  it('refuses a non-loopback address without TLS unless --insecure, naming the fix', () => {
    const home = join(dir, 'refuse');
    const refused = runCli(home, ['serve', '--host', '0.0.0.0', '--port', '0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('without TLS');
    expect(refused.stderr).toContain('--tls-cert');
    const half = runCli(home, ['serve', '--tls-cert', join(dir, 'cert.pem')]);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('both --tls-cert and --tls-key');
  });

  it('classifies loopback addresses and sizes', () => {
    expect(['127.0.0.1', '127.8.9.1', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '10.0.0.1', '192.168.1.1', '::', 'example.com'].map(isLoopback)).toEqual([false, false, false, false, false]);
    expect(parseBytes('--max-upload', '10GiB')).toBe(10 * 1024 ** 3);
    expect(parseBytes('--max-upload', '500MB')).toBe(500_000_000);
    expect(() => parseBytes('--max-upload', 'lots')).toThrow(/--max-upload takes a size/);
  });

  it('`cleanroom serve` runs as a process and stops cleanly on SIGTERM', async () => {
    const home = join(dir, 'proc');
    const admin = runCli(home, ['keys', 'create', '--admin', '--label', 'ops']);
    expect(admin.code).toBe(0);
    const token = admin.stdout.trim();
    expect(token).toMatch(/^crk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const served = await startServe(home);
    const me = await fetch(`${served.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
    expect(served.stderr()).toContain('SIGTERM');
  }, 60_000);
});
