import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
const c = await inst.connect();
for (const q of process.argv.slice(2)) {
  try { const r = await c.runAndReadAll(q); console.log(q, '=>', JSON.stringify(r.getRowObjectsJson())); }
  catch (e) { console.log(q, '=> ERR', e.message); }
}
