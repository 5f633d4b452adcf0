import { expect } from 'vitest';

/** The error a response carries (see the server's errors.ts). */
export interface ErrorDetail {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * Asserts that `res` is an error answer with this status and code (the body is in the failure message), and returns
 * the error for further checks.
 *
 * @example
 * ```ts
 * const error = await expectError(await caller.request('GET', path), 404, 'ERR_NOT_FOUND');
 * ```
 */
export async function expectError(res: Response, status: number, code: string): Promise<ErrorDetail> {
  const body = (await res.json()) as { error: ErrorDetail };
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(body.error.code).toBe(code);
  return body.error;
}
