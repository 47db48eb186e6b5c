import { describe, expect, it } from 'vitest';
import { UsageError } from '../output.ts';
import { entryRecords, headText, sinceOption, verifySummary } from './audit.ts';

const HASH = 'cd'.repeat(32);

describe('audit command output', () => {
  it('summarises an intact chain in one line that carries the head to export', () => {
    expect(verifySummary({ ok: true, entries: 12, head: { seq: 12, hash: HASH }, startedAt: '2026-03-01T10:00:00.000Z' })).toBe(
      `audit chain intact: 12 entries since 2026-03-01T10:00:00.000Z, head 12:${HASH}`,
    );
    expect(headText({ seq: 7, hash: HASH })).toBe(`7:${HASH}`);
  });

  it('names the first bad entry and what is wrong with it', () => {
    expect(
      verifySummary({ ok: false, entries: 4, problem: { seq: 5, code: 'entry-missing', message: 'entry 5 is missing: the chain jumps from entry 4 to entry 6' } }),
    ).toBe('audit chain broken at entry 5 [entry-missing]: entry 5 is missing: the chain jumps from entry 4 to entry 6');
  });

  it('takes --since as an ISO-8601 date or time, stored as UTC', () => {
    expect(sinceOption('2026-03-01')).toBe('2026-03-01T00:00:00.000Z');
    expect(sinceOption('2026-03-01T12:30:00+02:00')).toBe('2026-03-01T10:30:00.000Z');
    expect(sinceOption(undefined)).toBeUndefined();
    expect(() => sinceOption('yesterday')).toThrow(UsageError);
    expect(() => sinceOption('2026-13-45')).toThrow(/--since takes an ISO-8601 date/);
  });

  it('shows the detail as compact JSON in tables and CSV', () => {
    const entry = { seq: 2, at: 't', actor: 'brand', action: 'member.create', subject: 'brand', outcome: 'ok', detail: { b: 1 }, prevHash: 'p', hash: 'h' };
    expect(entryRecords([entry])).toEqual([{ ...entry, detail: '{"b":1}' }]);
  });
});
