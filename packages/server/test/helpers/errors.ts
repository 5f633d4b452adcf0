import { expect } from 'vitest';

/** The error an error answer carries (see the server's errors.ts). */
export interface ErrorDetail {
  code: string;
  message: string;
  /** `issues` (each with the field's `path`) for ERR_VALIDATION from a schema; `path` where one field is named. */
  details?: { issues?: { path: string; message: string }[]; path?: string; [key: string]: unknown };
}

/** The error in an error answer's body. */
export async function errorOf(res: Response): Promise<ErrorDetail> {
  return ((await res.json()) as { error: ErrorDetail }).error;
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
  const error = await errorOf(res);
  expect(res.status, JSON.stringify(error)).toBe(status);
  expect(error.code).toBe(code);
  return error;
}
