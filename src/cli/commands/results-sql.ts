import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { statsOfResult } from '../../client/column-stats.ts';
import { withBackend } from '../context.ts';
import { pickFormat, printJson, printRecords, toCsv, toTable, UsageError } from '../output.ts';

function sqlFrom(opts: { sql?: string; sqlFile?: string }): string | undefined {
  if (opts.sql !== undefined && opts.sqlFile !== undefined) throw new UsageError('give --sql or --sql-file, not both');
  return opts.sqlFile !== undefined ? readFileSync(opts.sqlFile, 'utf8') : opts.sql;
}

function wholeNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number, not '${text}'`);
  return Number(text);
}

/**
 * Results SQL under `cleanroom results`: query, catalog, name, saved, export-all
 * (docs/results-sql.md).
 */
export function registerResultsSqlCommands(r: Command): void {
  r.command('query')
    .description(
      'read-only SQL over the results you received (never raw tables or anyone else\'s results)\n' +
        "example: cleanroom results query --as brand --sql 'SELECT campaign_id, users FROM campaigns ORDER BY users DESC'",
    )
    .requiredOption('--as <member>', 'acting member (the receiver)')
    .option('--sql <sql>', 'the SELECT to run')
    .option('--sql-file <file>', 'read the SELECT from a file')
    .option('--saved <name>', 'run a saved query')
    .option('--limit <n>', 'rows to return (at most 10000; default 1000)')
    .option('--offset <n>', 'rows to skip first')
    .option('--format <format>', 'table|json|csv')
    .action(async (opts: { as?: string; sql?: string; sqlFile?: string; saved?: string; limit?: string; offset?: string; format?: string }, cmd: Command) => {
      const sql = sqlFrom(opts);
      if ((sql === undefined) === (opts.saved === undefined)) throw new UsageError('give one of --sql, --sql-file and --saved');
      const format = pickFormat(opts.format);
      const limit = wholeNumber('--limit', opts.limit);
      const offset = wholeNumber('--offset', opts.offset);
      const page = await withBackend(cmd, async (b) =>
        b.resultsSql.query(await b.actor(opts.as), sql !== undefined ? { sql } : { saved: opts.saved ?? '' }, {
          ...(limit !== undefined ? { limit } : {}),
          ...(offset !== undefined ? { offset } : {}),
        }),
      );
      if (format === 'json') {
        printJson(page);
        return;
      }
      const columns = page.columns.map((c) => c.name);
      process.stdout.write(format === 'csv' ? toCsv(columns, page.rows) : toTable(columns, page.rows));
      if (page.hasMore) process.stderr.write(`more rows follow: --offset ${page.offset + page.rows.length}\n`);
    });

  r.command('stats <result>')
    .description(
      'nulls, distinct values, minimum, maximum and mean of each column of one of your results (by id or results-SQL name)\n' +
        'example: cleanroom results stats campaigns --as brand',
    )
    .requiredOption('--as <member>', 'acting member (the receiver)')
    .option('--format <format>', 'table|json|csv')
    .action(async (result: string, opts: { as?: string; format?: string }, cmd: Command) => {
      const format = pickFormat(opts.format);
      const stats = await withBackend(cmd, async (b) => {
        const actor = await b.actor(opts.as);
        const found = await statsOfResult(result, (await b.resultsSql.catalog(actor)).tables, (sql) => b.resultsSql.query(actor, { sql }, { limit: 1 }));
        if (found === undefined) throw new UsageError(`you have no result '${result}' (list them: cleanroom results catalog --as ${actor})`);
        return found.columns;
      });
      if (format === 'json') {
        printJson(stats);
        return;
      }
      printRecords(format, stats.map((c) => ({ ...c })), ['column', 'type', 'nulls', 'distinct', 'min', 'max', 'mean']);
    });

  r.command('catalog')
    .description('your result tables (their SQL names and columns) and your saved queries and views')
    .requiredOption('--as <member>', 'acting member')
    .option('--format <format>', 'table|json|csv')
    .action(async (opts: { as?: string; format?: string }, cmd: Command) => {
      const catalog = await withBackend(cmd, async (b) => b.resultsSql.catalog(await b.actor(opts.as)));
      const format = pickFormat(opts.format);
      if (format === 'json') {
        printJson(catalog);
        return;
      }
      printRecords(
        format,
        [
          ...catalog.tables.map((t) => ({ name: t.name, kind: 'result', id: t.id, analysis: t.analysis, rows: t.rowCount, columns: t.columns.map((c) => c.name).join(',') })),
          ...catalog.saved.map((s) => ({ name: s.name, kind: s.kind, id: null, analysis: null, rows: null, columns: null })),
        ],
        ['name', 'kind', 'id', 'analysis', 'rows', 'columns'],
      );
    });

  r.command('name <result-id> [name]')
    .description('give a result its table name in results SQL; without a name, back to the default\nexample: cleanroom results name 3f2a... campaigns --as brand')
    .requiredOption('--as <member>', 'acting member (the receiver)')
    .action(async (id: string, name: string | undefined, opts: { as?: string }, cmd: Command) => {
      const table = await withBackend(cmd, async (b) => b.resultsSql.name(await b.actor(opts.as), id, name ?? null));
      process.stdout.write(`result ${table.id} is the table ${table.name}\n`);
    });

  const saved = r.command('saved').description('your saved results-SQL queries and views');
  saved
    .command('save <name>')
    .description("save a named query (--sql) or view (--view); a view is read like a table\nexample: cleanroom results saved save big_campaigns --as brand --view --sql 'SELECT * FROM campaigns WHERE users >= 3'")
    .requiredOption('--as <member>', 'acting member')
    .option('--sql <sql>', 'the SELECT')
    .option('--sql-file <file>', 'read the SELECT from a file')
    .option('--view', 'save as a view')
    .option('--description <text>', 'what it answers')
    .option('--replace', 'overwrite a saved query or view of that name')
    .action(async (name: string, opts: { as?: string; sql?: string; sqlFile?: string; view?: boolean; description?: string; replace?: boolean }, cmd: Command) => {
      const sql = sqlFrom(opts);
      if (sql === undefined) throw new UsageError('give --sql or --sql-file');
      const kind = opts.view === true ? 'view' : 'query';
      await withBackend(cmd, async (b) =>
        b.resultsSql.save(await b.actor(opts.as), {
          name,
          kind,
          sql,
          ...(opts.description !== undefined ? { description: opts.description } : {}),
          ...(opts.replace === true ? { replace: true } : {}),
        }),
      );
      process.stdout.write(`saved ${kind} ${name}\n`);
    });
  saved
    .command('list')
    .requiredOption('--as <member>', 'acting member')
    .option('--format <format>', 'table|json|csv')
    .action(async (opts: { as?: string; format?: string }, cmd: Command) => {
      const catalog = await withBackend(cmd, async (b) => b.resultsSql.catalog(await b.actor(opts.as)));
      printRecords(pickFormat(opts.format), catalog.saved.map((s) => ({ ...s })), ['name', 'kind', 'description', 'updatedAt', 'sql']);
    });
  saved
    .command('show <name>')
    .requiredOption('--as <member>', 'acting member')
    .action(async (name: string, opts: { as?: string }, cmd: Command) => {
      printJson(await withBackend(cmd, async (b) => b.resultsSql.show(await b.actor(opts.as), name)));
    });
  saved
    .command('delete <name>')
    .requiredOption('--as <member>', 'acting member')
    .action(async (name: string, opts: { as?: string }, cmd: Command) => {
      await withBackend(cmd, async (b) => b.resultsSql.delete(await b.actor(opts.as), name));
      process.stdout.write(`deleted ${name}\n`);
    });

  r.command('export-all')
    .description(
      'every result you received, for BI tools (Superset, Metabase, Evidence): one DuckDB file, or a folder of Parquet\n' +
        'example: cleanroom results export-all --as brand --out brand.duckdb --format duckdb',
    )
    .requiredOption('--as <member>', 'acting member (the receiver)')
    .requiredOption('--out <path>', 'the DuckDB file, or the (new or empty) folder for Parquet')
    .requiredOption('--format <format>', 'duckdb|parquet')
    .action(async (opts: { as?: string; out: string; format: string }, cmd: Command) => {
      if (opts.format !== 'duckdb' && opts.format !== 'parquet') throw new UsageError(`--format must be duckdb or parquet, not '${opts.format}'`);
      const format = opts.format;
      await withBackend(cmd, async (b) => b.resultsSql.exportAll(await b.actor(opts.as), opts.out, format));
      process.stdout.write(`wrote your results to ${opts.out} (${format})\n`);
    });
}
