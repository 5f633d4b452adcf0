import type { ReportRow } from './schemas.js';

const HEADER = ['row', 'email', 'did', 'name', 'state', 'credential_id', 'errors'];

/**
 * A batch report as CSV (RFC 4180, CRLF line ends), one line per row. Text a spreadsheet would run as a formula (a
 * value starting with `=`, `+`, `-`, `@`, tab or CR) is prefixed with `'`, as OWASP advises against CSV injection: the
 * names and addresses come from the uploaded file.
 *
 * @example
 * ```ts
 * reportCsv([{ row: 1, email: 'ada@example.org', did: null, name: null, state: 'issued', credentialId: '…', errors: [] }]);
 * // 'row,email,did,name,state,credential_id,errors\r\n1,ada@example.org,,,issued,…,\r\n'
 * ```
 */
export function reportCsv(rows: ReportRow[]): string {
  const lines = [HEADER.join(',')];
  for (const r of rows) {
    const errors = r.errors.map((e) => `${e.code}: ${e.message}`).join(' | ');
    lines.push(
      [String(r.row), r.email, r.did, r.name, r.state, r.credentialId, errors].map((v) => field(v ?? '')).join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

function field(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
