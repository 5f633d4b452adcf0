import { SkillsError } from '@skillproof/skills';
import { describe, expect, it } from 'vitest';
import { toErrorResponse } from '../src/errors.js';

describe('toErrorResponse', () => {
  it('answers a refusal of @skillproof/skills with its code, message and path, as 422', () => {
    const refused = new SkillsError('ERR_PLAN_INPUT', 'budget must be a number ≥ 0.', { path: '$.budget' });
    expect(toErrorResponse(refused)).toEqual({
      status: 422,
      body: { error: { code: 'ERR_PLAN_INPUT', message: 'budget must be a number ≥ 0.', path: '$.budget' } },
      expected: true,
    });
    expect(toErrorResponse(new SkillsError('ERR_GOAL_INPUT', 'weight must be ≥ 0.')).body).toEqual({
      error: { code: 'ERR_GOAL_INPUT', message: 'weight must be ≥ 0.' },
    });
  });

  it('never leaks an unknown error', () => {
    const { status, body, expected } = toErrorResponse(new Error('secret detail'));
    expect([status, body.error.code, expected]).toEqual([500, 'ERR_INTERNAL', false]);
    expect(JSON.stringify(body)).not.toContain('secret');
  });
});
