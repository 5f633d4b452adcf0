import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SkillproofError } from '../src/errors.js';
import { assertDepth } from '../src/lib/json-input.js';

/** Nesting depth as the limit counts it: a scalar 0, an object or array one more than its deepest member. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child));
  return deepest + 1;
}

function outcome(value: unknown, maxDepth: number): string {
  try {
    assertDepth(value, maxDepth);
    return 'ok';
  } catch (e) {
    return (e as SkillproofError).code;
  }
}

describe('assertDepth', () => {
  it('refuses exactly the values nested deeper than the limit, at small limits and past a thousand levels', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (value, limit) => {
        const expected = depthOf(value) > limit ? 'ERR_INPUT_TOO_DEEP' : 'ok';
        expect(outcome(value, limit)).toBe(expected);
        // The same question a thousand levels down: depth counts the same however deep the value sits.
        let wrapped: unknown = value;
        for (let i = 0; i < 1_001; i++) wrapped = [wrapped];
        expect(outcome(wrapped, 1_001 + limit)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('ends a 100,000-deep array in ERR_INPUT_TOO_DEEP, whatever the limit, without overflowing the stack', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(outcome(deep, 64)).toBe('ERR_INPUT_TOO_DEEP');
    expect(outcome(deep, 99_999)).toBe('ERR_INPUT_TOO_DEEP');
    expect(outcome(deep, 100_000)).toBe('ok');
  });
});
