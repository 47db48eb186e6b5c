/** The dashboard builder's edits (web/src/dashboards/draft.ts), without a browser. */
import { describe, expect, it } from 'vitest';
import { addVisual, arrange, arrangeVisual, changeKind, type Draft, newVisualId, nextRow, removeVisual, replaceVisual, splitList, toDocument } from '../../web/src/dashboards/draft.ts';
import { filterId } from '../../web/src/dashboards/filter-editor.tsx';
import { parseDashboardSpec } from '../../src/results-sql/dashboards/dashboard-spec.ts';

const empty: Draft = { name: 'q4', title: '', description: '', filters: [], visuals: [] };
const source = { kind: 'table', table: 'reach' } as const;

describe('the dashboard draft', () => {
  it('adds visuals below each other with fresh ids', () => {
    const one = addVisual(empty, { kind: 'kpi', title: 'Reach', source, fields: { value: 'reach' } });
    const two = addVisual(one, { kind: 'bar', title: 'By campaign', source, fields: { x: 'campaign_id', y: ['reach'] } });
    expect(two.visuals.map((v) => [v.id, v.layout])).toEqual([
      ['visual-1', { x: 0, y: 0, w: 6, h: 4 }],
      ['visual-2', { x: 0, y: 4, w: 6, h: 4 }],
    ]);
    expect(nextRow(two.visuals)).toBe(8);
    expect(newVisualId(removeVisual(two, 'visual-1').visuals)).toBe('visual-3');
  });

  it('moves and resizes inside the 12-column grid', () => {
    const l = { x: 0, y: 0, w: 6, h: 4 };
    expect(arrange(l, 'left')).toEqual(l);
    expect(arrange(l, 'up')).toEqual(l);
    expect(arrange({ ...l, x: 6 }, 'right')).toEqual({ ...l, x: 6 });
    expect(arrange(l, 'right')).toEqual({ ...l, x: 1 });
    expect(arrange(l, 'down')).toEqual({ ...l, y: 1 });
    expect(arrange({ ...l, x: 6 }, 'wider')).toEqual({ x: 5, y: 0, w: 7, h: 4 });
    expect(arrange({ x: 0, y: 0, w: 12, h: 4 }, 'wider')).toEqual({ x: 0, y: 0, w: 12, h: 4 });
    expect(arrange({ ...l, w: 1 }, 'narrower')).toEqual({ ...l, w: 1 });
    expect(arrange({ ...l, h: 1 }, 'shorter')).toEqual({ ...l, h: 1 });
    expect(arrange(l, 'taller')).toEqual({ ...l, h: 5 });
  });

  it('pushes the visuals a moved one would cover down below it, so none overlap', () => {
    let d = addVisual(empty, { kind: 'kpi', title: 'a', source, fields: { value: 'n' } });
    d = addVisual(d, { kind: 'kpi', title: 'b', source, fields: { value: 'n' } });
    d = addVisual(d, { kind: 'kpi', title: 'c', source, fields: { value: 'n' } });
    // a (0,0) b (0,4) c (0,8), each 6x4; b moves up one row: a is pushed below b, c below a.
    const up = arrangeVisual(d, 'visual-2', 'up');
    expect(up.visuals.map((v) => [v.id, v.layout.y])).toEqual([
      ['visual-1', 7],
      ['visual-2', 3],
      ['visual-3', 11],
    ]);
    // Side by side nothing moves.
    let side = arrangeVisual(d, 'visual-2', 'narrower');
    for (let i = 0; i < 7; i++) side = arrangeVisual(side, 'visual-2', 'right');
    for (let i = 0; i < 4; i++) side = arrangeVisual(side, 'visual-2', 'up');
    expect(side.visuals.map((v) => v.layout)).toEqual([
      { x: 0, y: 0, w: 6, h: 4 },
      { x: 7, y: 0, w: 5, h: 4 },
      { x: 0, y: 8, w: 6, h: 4 },
    ]);
  });

  it('keeps only the fields a new kind may have', () => {
    const bar = addVisual(empty, { kind: 'bar', title: '', source, fields: { x: 'c', y: ['n'], low: 'l', high: 'h', series: 's' } }).visuals[0]!;
    expect(changeKind(bar, 'histogram').fields).toEqual({ x: 'c', y: ['n'] });
    expect(changeKind(bar, 'kpi').fields).toEqual({ low: 'l', high: 'h' });
  });

  it('keeps filters aimed at a visual in step with its id, and drops the aim when it is removed', () => {
    const d = addVisual({ ...empty, filters: [{ id: 'f', column: 'campaign_id', visuals: ['visual-1'] }] }, { kind: 'table', title: '', source, fields: {} });
    const renamed = replaceVisual(d, 'visual-1', { ...d.visuals[0]!, id: 'reach' });
    expect(renamed.filters[0]!.visuals).toEqual(['reach']);
    expect(removeVisual(renamed, 'reach').filters[0]).toEqual({ id: 'f', column: 'campaign_id' });
  });

  it('makes a document the server accepts', () => {
    const d = addVisual({ ...empty, filters: [{ id: filterId('Campaign ID', []), column: 'campaign_id' }] }, { kind: 'kpi', title: 'Reach', source, fields: { value: 'reach' } });
    const doc = toDocument(d);
    expect(doc.title).toBe('q4');
    expect('description' in doc).toBe(false);
    expect(() => parseDashboardSpec(doc)).not.toThrow();
    expect(parseDashboardSpec(doc).filters[0]!.id).toBe('f-campaign-id');
  });

  it('splits comma lists and makes unique filter ids', () => {
    expect(splitList(' a, b ,, c ')).toEqual(['a', 'b', 'c']);
    expect(filterId('campaign_id', ['f-campaign_id'])).toBe('f-campaign_id-2');
  });
});
