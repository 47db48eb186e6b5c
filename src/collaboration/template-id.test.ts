import { describe, expect, it } from 'vitest';
import { templateId } from './template-id.ts';

describe('templateId', () => {
  const base = {
    collaborationId: 1,
    name: 'lift',
    sql: 'SELECT 1',
    parameters: [{ name: 'days', type: 'INTEGER' as const, default: '7' }],
    tables: [{ sqlName: 'impressions', tableId: 3 }],
  };
  it('is stable for the same inputs and changes when anything that decides behaviour changes', () => {
    const id = templateId(base);
    expect(id).toMatch(/^tpl-[0-9a-f]{32}$/);
    expect(templateId({ ...base })).toBe(id);
    expect(templateId({ ...base, sql: 'SELECT 2' })).not.toBe(id);
    expect(templateId({ ...base, collaborationId: 2 })).not.toBe(id);
    expect(templateId({ ...base, parameters: [{ name: 'days', type: 'INTEGER', default: '8' }] })).not.toBe(id);
    expect(templateId({ ...base, tables: [{ sqlName: 'impressions', tableId: 4 }] })).not.toBe(id);
  });
});
