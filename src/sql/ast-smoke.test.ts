import { describe, expect, it } from 'vitest';
import { catchRefusal, Refusal } from './diagnostic.ts';

describe('catchRefusal', () => {
  it('turns a Refusal into a failed Result and passes values through', () => {
    const bad = catchRefusal(() => {
      throw new Refusal({ code: 'x-y', message: 'no' });
    });
    expect(bad).toEqual({ ok: false, error: { code: 'x-y', message: 'no' } });
    expect(catchRefusal(() => 3)).toEqual({ ok: true, value: 3 });
  });
});
