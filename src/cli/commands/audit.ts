import type { Command } from 'commander';
import type { AuditEntry } from '../../audit/list.ts';
import { listAuditEntries } from '../../audit/list.ts';
import { parseHeadRef, verifyAuditChain, type AuditHeadRef, type VerifyReport } from '../../audit/verify.ts';
import { withWorkspace } from '../context.ts';
import { pickFormat, printJson, printRecords, UsageError } from '../output.ts';

/** `verify` and `head` print one line for people and scripts alike, or JSON. */
function lineOrJson(flag: string | undefined): 'text' | 'json' {
  if (flag === undefined || flag === 'table') return 'text';
  if (flag === 'json') return 'json';
  throw new UsageError(`--format must be table or json, not '${flag}'`);
}

/** `SEQ:HASH`, the form `audit head` prints and `--expect-head` takes. */
export function headText(head: AuditHeadRef): string {
  return `${head.seq}:${head.hash}`;
}

/** The one-line outcome of `audit verify`. */
export function verifySummary(report: VerifyReport): string {
  if (report.ok && report.head !== undefined) {
    return `audit chain intact: ${report.entries} entries since ${report.startedAt ?? '?'}, head ${headText(report.head)}`;
  }
  const p = report.problem;
  if (p === undefined) throw new Error('Internal error: a failed verification names no problem');
  return `audit chain broken at entry ${p.seq} [${p.code}]: ${p.message}`;
}

/** `--since` as the stored form of times (ISO-8601 UTC), so text order is time order. */
export function sinceOption(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const t = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(t.getTime())) {
    throw new UsageError(`--since takes an ISO-8601 date or time (2026-03-01, 2026-03-01T12:00:00Z), not '${text}'`);
  }
  return t.toISOString();
}

function limitOption(text: string | undefined): number {
  if (text === undefined) return 100;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--limit takes a whole number >= 1, not '${text}'`);
  }
  return Number(text);
}

function expectHeadOption(text: string | undefined): AuditHeadRef | undefined {
  if (text === undefined) return undefined;
  const ref = parseHeadRef(text);
  if (ref === undefined) throw new UsageError(`--expect-head takes SEQ:HASH as \`cleanroom audit head\` prints it, not '${text}'`);
  return ref;
}

/** Rows for table and CSV output: the detail as compact JSON. */
export function entryRecords(entries: readonly AuditEntry[]): Record<string, unknown>[] {
  return entries.map((e) => ({ ...e, detail: JSON.stringify(e.detail) }));
}

/**
 * The operator's audit log (docs/audit.md). Member commands never read it: it records
 * every member's activity.
 */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description("the operator's tamper-evident audit log of every change and query (docs/audit.md)");
  audit
    .command('verify')
    .description('check the hash chain: exit 0 when intact, 1 naming the first bad entry (example: cleanroom audit verify --expect-head "$(cat last-head)")')
    .option('--expect-head <seq:hash>', 'a head saved earlier with `cleanroom audit head`: the chain must still contain it unchanged')
    .option('--format <format>', 'table|json')
    .action(async (opts: { expectHead?: string; format?: string }, cmd: Command) => {
      const format = lineOrJson(opts.format);
      const expectHead = expectHeadOption(opts.expectHead);
      const report = await withWorkspace(cmd, (ws) => verifyAuditChain(ws.db, expectHead === undefined ? {} : { expectHead }));
      if (format === 'json') printJson(report);
      else process.stdout.write(`${verifySummary(report)}\n`);
      if (!report.ok) process.exitCode = 1;
    });
  audit
    .command('head')
    .description('print the verified head as SEQ:HASH, to keep outside this server (example: cleanroom audit head >> /mnt/elsewhere/audit-heads)')
    .option('--format <format>', 'table|json')
    .action(async (opts: { format?: string }, cmd: Command) => {
      const format = lineOrJson(opts.format);
      // Only a verified head is worth keeping: exporting a tampered one would vouch for it.
      const report = await withWorkspace(cmd, (ws) => verifyAuditChain(ws.db));
      if (!report.ok || report.head === undefined) {
        process.stderr.write(`${verifySummary(report)}\n`);
        if (format === 'json') printJson(report);
        process.exitCode = 1;
        return;
      }
      if (format === 'json') printJson({ ...report.head, entries: report.entries });
      else process.stdout.write(`${headText(report.head)}\n`);
    });
  audit
    .command('list')
    .description('list audit entries, oldest first: the newest --limit that match (example: cleanroom audit list --actor brand --since 2026-03-01 --limit 20)')
    .option('--since <time>', 'entries at or after this ISO-8601 date or time')
    .option('--actor <member>', 'entries by this member')
    .option('--limit <n>', 'at most this many (the newest), default 100')
    .option('--format <format>', 'table|json|csv')
    .action(async (opts: { since?: string; actor?: string; limit?: string; format?: string }, cmd: Command) => {
      const format = pickFormat(opts.format);
      const since = sinceOption(opts.since);
      const filter = { limit: limitOption(opts.limit), ...(since !== undefined ? { since } : {}), ...(opts.actor !== undefined ? { actor: opts.actor } : {}) };
      const entries = await withWorkspace(cmd, (ws) => listAuditEntries(ws.db, filter));
      if (format === 'json') printJson(entries);
      else printRecords(format, entryRecords(entries), ['seq', 'at', 'actor', 'action', 'subject', 'outcome', 'detail']);
    });
}
