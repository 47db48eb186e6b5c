import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const conn = await inst.connect();
const qs = process.argv.slice(2).join(' ').split(';;');
for (const q of qs) {
  if (!q.trim()) continue;
  try { const r = await conn.runAndReadAll(q); console.log('OK ', q.trim().slice(0,150), '=>', JSON.stringify(r.getRows().map(x=>x.map(v=>typeof v==='bigint'?v.toString():String(v))))); }
  catch (e) { console.log('ERR', q.trim().slice(0,150), '=>', String(e.message).split('\n')[0]); }
}
