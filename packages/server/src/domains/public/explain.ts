import { z } from '@hono/zod-openapi';
import type { CheckId, CheckStatus, VerificationResult } from '@skillproof/core';
import { html } from 'hono/html';
import type { Html } from './layout.js';

const ABOUT: Record<CheckId, { title: string; about: string }> = {
  format: {
    title: 'Format',
    about: 'The input could be read as a credential (JSON, JWT, or a badge image with one baked in).',
  },
  schema: {
    title: 'Structure',
    about: 'The credential follows the W3C Verifiable Credentials 2.0 and Open Badges 3.0 data model.',
  },
  proof: {
    title: 'Signature',
    about: 'The digital signature matches the content: nothing has been changed since it was signed.',
  },
  issuer: { title: 'Issuer', about: 'The key that signed the credential belongs to the issuer the credential names.' },
  validity: { title: 'Validity period', about: 'Today falls within the dates the credential is valid.' },
  status: {
    title: 'Revocation and suspension',
    about: "The issuer's published status list says the credential has been neither revoked nor suspended.",
  },
  ledger: {
    title: 'Transparency log',
    about: "The issuer's public, append-only log recorded the issuance of exactly this credential.",
  },
};

const STATUS_WORDS: Record<CheckStatus, string> = {
  passed: 'Passed',
  failed: 'Failed',
  unknown: 'Could not be checked',
  skipped: 'Not applicable',
};

export const ExplainedCheck = z
  .object({
    id: z.enum(['format', 'schema', 'proof', 'issuer', 'validity', 'status', 'ledger']),
    status: z.enum(['passed', 'failed', 'unknown', 'skipped']),
    code: z.string().optional().openapi({ description: 'A stable error code, for failed and unknown checks.' }),
    title: z.string().openapi({ example: 'Signature' }),
    about: z.string().openapi({ description: 'What the check establishes, in plain words.' }),
    message: z.string().openapi({ description: 'What was found, in plain words.' }),
    detail: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('VerificationCheck');

export const VerificationReport = z
  .object({
    verified: z
      .boolean()
      .openapi({ description: 'True only when no check failed and every check that applies passed.' }),
    format: z.enum(['json', 'jwt', 'png', 'svg']).optional(),
    summary: z.string().openapi({ example: 'Verified: every check passed.' }),
    checks: z.array(ExplainedCheck),
    credential: z.record(z.string(), z.unknown()).optional().openapi({ description: 'The credential that was found.' }),
  })
  .openapi('VerificationReport');

export type VerificationReport = z.infer<typeof VerificationReport>;

/** A verification result with every check named and explained in plain words, and a one-line summary. */
export function explain(result: VerificationResult): VerificationReport {
  const checks = result.checks.map((c) => ({
    id: c.id,
    status: c.status,
    ...(c.code !== undefined && { code: c.code }),
    title: ABOUT[c.id].title,
    about: ABOUT[c.id].about,
    message: c.message,
    ...(c.detail !== undefined && { detail: c.detail }),
  }));
  return {
    verified: result.verified,
    ...(result.format !== undefined && { format: result.format }),
    summary: summarize(result),
    checks,
    ...(result.credential !== undefined && { credential: result.credential }),
  };
}

function summarize({ verified, checks }: VerificationResult): string {
  if (verified) return 'Verified: every check passed.';
  const titles = (status: CheckStatus) => [
    ...new Set(checks.filter((c) => c.status === status).map((c) => ABOUT[c.id].title)),
  ];
  const failed = titles('failed');
  if (failed.length > 0) return `Not verified: ${list(failed)} failed.`;
  const unknown = titles('unknown');
  if (unknown.length > 0) return `Not verified: nothing failed, but ${list(unknown)} could not be checked.`;
  return 'Not verified: the credential carries no signature that could be checked.';
}

const list = (items: string[]) =>
  items.length <= 1
    ? (items[0] ?? '').toLowerCase()
    : `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`.toLowerCase();

/** The report as HTML: the summary, then each check with its status in words (not only in colour). */
export function reportHtml(report: VerificationReport): Html {
  const overall = report.verified ? 'passed' : report.checks.some((c) => c.status === 'failed') ? 'failed' : 'unknown';
  return html`<p class="summary ${overall}"><strong>${report.summary}</strong></p>
    <ul class="checks">
      ${report.checks.map(
        (c) =>
          html`<li>
            <span class="badge ${c.status}">${STATUS_WORDS[c.status]}</span> <strong>${c.title}</strong>
            <div class="muted">${c.about}</div>
            <div>${c.message}${c.code ? html` <code>${c.code}</code>` : ''}</div>
          </li>`,
      )}
    </ul>`;
}
