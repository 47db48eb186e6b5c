import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from './diagnostics.ts';

describe('formatDiagnostic', () => {
  it('says what, where and what to do, with a 1-based character position', () => {
    const text = formatDiagnostic({
      code: 'join-column-in-output',
      message: 'join column email_address may not appear in SELECT',
      rule: 'aggregation',
      table: 'impressions',
      fragment: 'i.email_address',
      position: 7,
      hint: 'use it only in ON',
    });
    expect(text).toBe(
      '[join-column-in-output] join column email_address may not appear in SELECT (aggregation rule, table impressions, at character 8)\n' +
        '  near: i.email_address\n  hint: use it only in ON',
    );
  });
  it('does not repeat the rule when the message already names it', () => {
    expect(formatDiagnostic({ code: 'x', message: 'aggregation rule: no', rule: 'aggregation' })).toBe('[x] aggregation rule: no');
  });
});
