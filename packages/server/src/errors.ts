import { HTTPException } from 'hono/http-exception';
import { isSkillproofError, type ErrorCode as CoreErrorCode } from '@skillproof/core';
import { isSkillsError, type SkillsErrorCode } from '@skillproof/skills';
import { FrameworkImportError, type FrameworkImportErrorCode } from './domains/frameworks/sources/model.js';

/** Codes the server adds to those of `@skillproof/core`. */
export type ServerErrorCode =
  | 'ERR_VALIDATION'
  | 'ERR_UNAUTHENTICATED'
  | 'ERR_SIGN_IN_FAILED'
  | 'ERR_FORBIDDEN'
  | 'ERR_SCOPE'
  | 'ERR_CSRF'
  | 'ERR_NOT_FOUND'
  | 'ERR_CONFLICT'
  | 'ERR_EMAIL_TAKEN'
  | 'ERR_IDEMPOTENCY_MISMATCH'
  | 'ERR_STATE'
  | 'ERR_GONE'
  | 'ERR_RATE_LIMITED'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_NOT_ACCEPTABLE'
  | 'ERR_UNAVAILABLE'
  | 'ERR_CSV_HEADER'
  | 'ERR_CSV_ENCODING'
  | 'ERR_CSV_NO_ROWS'
  | 'ERR_ATTEMPT_LIMIT'
  | 'ERR_COOLDOWN'
  | 'ERR_DEADLINE_PASSED'
  | 'ERR_ASSESSMENT_CLOSED'
  | 'ERR_WEBHOOK_SIGNATURE'
  | 'ERR_FILE_TOO_LARGE'
  | 'ERR_FILE_TYPE'
  | 'ERR_CREDENTIAL_UNVERIFIED'
  | 'ERR_INTERNAL';

export type AppErrorCode = ServerErrorCode | CoreErrorCode | FrameworkImportErrorCode | SkillsErrorCode;

/**
 * The one status table: every code, core's, framework imports' and the skills package's included, answers with exactly one HTTP status.
 * (Core and import codes not listed are problems with the input: 400.)
 */
const STATUS: Partial<Record<AppErrorCode, number>> & Record<ServerErrorCode, number> = {
  ERR_VALIDATION: 400,
  ERR_CSV_HEADER: 400,
  ERR_CSV_ENCODING: 400,
  ERR_CSV_NO_ROWS: 400,
  ERR_UNAUTHENTICATED: 401,
  ERR_SIGN_IN_FAILED: 401,
  ERR_FORBIDDEN: 403,
  ERR_SCOPE: 403,
  ERR_CSRF: 403,
  ERR_NOT_FOUND: 404,
  ERR_NOT_ACCEPTABLE: 406,
  ERR_CONFLICT: 409,
  ERR_EMAIL_TAKEN: 409,
  ERR_STATE: 409,
  ERR_ATTEMPT_LIMIT: 409,
  ERR_DEADLINE_PASSED: 409,
  ERR_ASSESSMENT_CLOSED: 409,
  ERR_COOLDOWN: 429,
  ERR_WEBHOOK_SIGNATURE: 401,
  ERR_FILE_TOO_LARGE: 413,
  ERR_FILE_TYPE: 415,
  ERR_CREDENTIAL_UNVERIFIED: 422,
  // @skillproof/skills refusing what a route passed it: the request's numbers or the data it names cannot be used.
  ERR_PLAN_INPUT: 422,
  ERR_GOAL_INPUT: 422,
  ERR_PROFILE_INPUT: 422,
  ERR_EXTRACT_INPUT: 422,
  ERR_ROLES_INPUT: 422,
  ERR_IMPORT_IN_USE: 409,
  ERR_LOG_CONFLICT: 409,
  ERR_LOG_UNKNOWN: 404,
  ERR_LOG_INCONSISTENT: 422,
  ERR_NOTE_UNVERIFIED: 403,
  ERR_GONE: 410,
  ERR_INPUT_TOO_LARGE: 413,
  ERR_IMAGE_TOO_LARGE: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_IDEMPOTENCY_MISMATCH: 422,
  ERR_RATE_LIMITED: 429,
  ERR_INTERNAL: 500,
  ERR_FETCH_FAILED: 502,
  ERR_CONTEXT_FETCH: 502,
  ERR_DID_RESOLUTION: 502,
  ERR_UNAVAILABLE: 503,
  ERR_STATUS_LIST_FULL: 503,
  ERR_OFFLINE: 503,
  ERR_FETCH_TIMEOUT: 504,
};

export function statusOf(code: AppErrorCode): number {
  return STATUS[code] ?? 400;
}

export interface ErrorBody {
  error: { code: AppErrorCode; message: string; path?: string; details?: Record<string, unknown> };
}

/**
 * An error the API answers with: a code from the status table and a message a person can act on.
 *
 * @example
 * ```ts
 * throw new AppError('ERR_NOT_FOUND', 'No achievement with this id in this organisation.');
 * ```
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
  get status(): number {
    return statusOf(this.code);
  }
}

/** Any thrown value as the body and status the API answers with; unknown errors are `ERR_INTERNAL`, never leaked. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody; expected: boolean } {
  if (err instanceof AppError) {
    return {
      status: err.status,
      body: { error: { code: err.code, message: err.message, ...(err.details && { details: err.details }) } },
      expected: true,
    };
  }
  if (isSkillproofError(err)) {
    return {
      status: statusOf(err.code),
      body: {
        error: {
          code: err.code,
          message: err.message,
          ...(err.path !== undefined && { path: err.path }),
          ...(err.details && { details: { ...err.details } }),
        },
      },
      expected: true,
    };
  }
  if (isSkillsError(err)) {
    const { code, message, path } = err;
    return {
      status: statusOf(code),
      body: { error: { code, message, ...(path !== undefined && { path }) } },
      expected: true,
    };
  }
  // A refused framework import says where (file and line, or JSON path) and which identifier.
  if (err instanceof FrameworkImportError) {
    const { path, ...where } = err.at ?? {};
    return {
      status: statusOf(err.code),
      body: {
        error: {
          code: err.code,
          message: err.describe(),
          ...(path !== undefined && { path }),
          ...(Object.keys(where).length > 0 && { details: where }),
        },
      },
      expected: true,
    };
  }
  // Hono's validators refuse a body that is not JSON (400) or that has a media type the route does not take (415).
  if (err instanceof HTTPException && (err.status === 400 || err.status === 415)) {
    const code = err.status === 400 ? 'ERR_VALIDATION' : 'ERR_UNSUPPORTED_MEDIA_TYPE';
    const message =
      err.status === 400
        ? `${err.message}.`
        : 'The request body has a media type this endpoint does not accept (see /openapi.json).';
    return { status: statusOf(code), body: { error: { code, message } }, expected: true };
  }
  return {
    status: 500,
    body: { error: { code: 'ERR_INTERNAL', message: 'Something went wrong on our side; it has been logged.' } },
    expected: false,
  };
}
