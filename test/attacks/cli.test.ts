/** Attack suite 4/4 — (h) the CLI: a refused query exits 3 with a JSON verdict and no data. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';
import { mediaWorkspace } from '../support/media-fixture.ts';

let dir: string;
beforeAll(async () => {
  const built = await mediaWorkspace({
    customers: 'email_address,state,birth_country\na@x.com,CA,US\nb@x.com,CA,US\n',
    conversions: 'email_address,transaction_id,price,creative_id,event_type\na@x.com,t1,10,cr1,purchase\n',
    impressions: 'email_address,creative_id,cost,campaign_id,device_type\na@x.com,cr1,1,cmp1,mobile\nb@x.com,cr1,2,cmp1,mobile\n',
  });
  dir = built.dir;
  await built.workspace.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a refused query exits 3 with {"id","status":"refused","error"} and no data', () => {
  const sql = 'SELECT i.email_address, COUNT(i.creative_id) FROM impressions i JOIN customers c ON i.email_address = c.email_address GROUP BY i.email_address';
  const out = runCli(join(dir, 'home'), ['query', 'run', 'c', '--as', 'brand', '--sql', sql, '--format', 'json']);
  expect(out.code).toBe(3);
  const verdict = JSON.parse(out.stdout) as { id: string; status: string; error: { code: string; message: string } };
  expect(Object.keys(verdict).sort()).toEqual(['error', 'id', 'status']);
  expect(verdict.status).toBe('refused');
  expect(verdict.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(verdict.error.code).toBe('join-column-in-output');
  expect(verdict.error.message).toMatch(/email_address/);
  expect(out.stdout + out.stderr).not.toMatch(/a@x\.com|b@x\.com/);
});
