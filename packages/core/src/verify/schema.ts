import { validateCredential } from '../model/validate-credential.js';
import type { SchemaIssue } from '../model/validate-credential.js';
import type { JsonObject, JsonValue } from '../types.js';
import { check } from './checks.js';
import type { VerificationCheck } from './checks.js';

/**
 * Findings that OB 3.0 states but that do not change what a credential means, and that credentials in the wild
 * (including the DCC Learner Credential Wallet's fixtures) commonly carry: a subject named only by `name`, an
 * `achievementType` outside the enumeration, a single object where the schema lists an array (JSON-LD reads both as
 * the same set). They are reported as warnings; a verifier that failed them would reject credentials every other
 * verifier accepts.
 */
function isAdvisory(issue: SchemaIssue, credential: JsonObject): boolean {
  if (issue.code === 'missing_identifier' || issue.code === 'invalid_value' || issue.code === 'unknown_property')
    return true;
  if (issue.code !== 'invalid_type') return false;
  const value = valueAt(credential, issue.path);
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Reads `$.a.b[0]['@context']`-style paths, as the model reports them. */
function valueAt(root: JsonValue, path: string): JsonValue | undefined {
  let cur: JsonValue | undefined = root;
  for (const m of path.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]/g)) {
    const key = m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]!.replace(/\\(.)/g, '$1'));
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, JsonValue>)[key];
  }
  return cur;
}

function issuesJson(issues: SchemaIssue[]): JsonValue {
  return issues.slice(0, 50).map((i) => ({ path: i.path, code: i.code, message: i.message }));
}

/** The VC 2.0 data model rules that every credential must meet, Open Badge or not. */
function checkVerifiableCredential(credential: JsonObject): VerificationCheck {
  const context = credential['@context'];
  const first = Array.isArray(context) ? context[0] : context;
  if (first !== 'https://www.w3.org/ns/credentials/v2' && first !== 'https://www.w3.org/2018/credentials/v1') {
    // VC 2.0 §4.3: @context is an ordered set whose first item is the VC 2.0 context (VC 1.1 likewise for its own).
    return check('schema', 'failed', 'The first @context must be the W3C credentials context.', 'ERR_SCHEMA_INVALID', {
      path: "$['@context'][0]",
    });
  }
  const types = Array.isArray(credential.type) ? credential.type : [credential.type];
  if (!types.includes('VerifiableCredential')) {
    return check('schema', 'failed', 'The type does not include VerifiableCredential.', 'ERR_SCHEMA_INVALID', {
      path: '$.type',
    });
  }
  const issuer = credential.issuer;
  const issuerOk =
    typeof issuer === 'string' ||
    (issuer !== null && typeof issuer === 'object' && !Array.isArray(issuer) && typeof issuer.id === 'string');
  if (!issuerOk)
    return check('schema', 'failed', 'The credential must name its issuer by id.', 'ERR_SCHEMA_INVALID', {
      path: '$.issuer',
    });
  const subject = credential.credentialSubject;
  if (subject === null || typeof subject !== 'object') {
    return check('schema', 'failed', 'The credential has no credentialSubject.', 'ERR_SCHEMA_INVALID', {
      path: '$.credentialSubject',
    });
  }
  return check('schema', 'passed', 'A W3C Verifiable Credential (not an Open Badge, CLR or endorsement).');
}

/** The `schema` check: VC 2.0 structure always; OB 3.0 / CLR 2.0 structure for the credentials that claim it. */
export function checkSchema(credential: JsonObject): VerificationCheck {
  const base = checkVerifiableCredential(credential);
  if (base.status === 'failed') return base;
  const result = validateCredential(credential);
  if (result.valid)
    return check(
      'schema',
      'passed',
      `A well-formed ${result.kind} (${result.version === 'v2' ? 'VC 2.0' : 'VC 1.1'}).`,
    );
  if (result.issues.length === 1 && result.issues[0]!.code === 'kind_unknown') return base;
  const hard = result.issues.filter((i) => !isAdvisory(i, credential));
  const advisory = result.issues.filter((i) => isAdvisory(i, credential));
  if (hard.length > 0) {
    const first = hard[0]!;
    return check(
      'schema',
      'failed',
      `${first.message} (at ${first.path})${hard.length > 1 ? `, and ${hard.length - 1} more` : ''}.`,
      result.code,
      {
        issues: issuesJson(hard),
        ...(advisory.length > 0 && { warnings: issuesJson(advisory) }),
      },
    );
  }
  return check(
    'schema',
    'passed',
    `Well-formed, with ${advisory.length} departure${advisory.length === 1 ? '' : 's'} from Open Badges 3.0 that do not change its meaning.`,
    undefined,
    {
      warnings: issuesJson(advisory),
    },
  );
}
