import { validateCredential } from '../model/validate-credential.js';
import type { SchemaIssue } from '../model/validate-credential.js';
import { issuerId } from '../lib/issuer-id.js';
import type { JsonObject, JsonValue } from '../types.js';
import { check } from './checks.js';
import type { VerificationCheck } from './checks.js';

/**
 * Findings that OB 3.0 states but that do not change what a credential means, and that credentials in the wild
 * (including the DCC Learner Credential Wallet's fixtures) commonly carry: a subject named only by `name`, an
 * `achievementType` outside the enumeration, a single object where the schema lists an array (JSON-LD reads both as
 * the same set), an image given as its URL, a name in several languages (VC 2.0 §11.1). They are reported as warnings; a verifier that failed them would reject credentials every other
 * verifier accepts.
 */
function isAdvisory(issue: SchemaIssue, credential: JsonObject): boolean {
  if (issue.code === 'missing_identifier' || issue.code === 'invalid_value' || issue.code === 'unknown_property')
    return true;
  if (issue.code !== 'invalid_type') return false;
  const value = valueAt(credential, issue.path);
  // VC 2.0 §11.1 language value objects where OB 3.0 expects a plain string.
  const isValueObject = (v: JsonValue) => v !== null && typeof v === 'object' && !Array.isArray(v) && '@value' in v;
  if (Array.isArray(value) && value.length > 0 && value.every(isValueObject)) return true;
  // VC 2.0 §4.10: credentialStatus may be a set (a revocation and a suspension entry); OB 3.0 lists it as 0..1
  // (1EdTech openbadges-specification#623 opens it for 3.1). The status check reads every entry.
  const isObject = (v: JsonValue) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (issue.path === '$.credentialStatus' && Array.isArray(value) && value.length > 0 && value.every(isObject))
    return true;
  // A lone object where a list is expected, or an IRI where an object with that id is expected, are the same node.
  return (
    (value !== null && typeof value === 'object' && !Array.isArray(value)) ||
    (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\S+$/i.test(value))
  );
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
  if (issuerId(credential) === undefined)
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
  // JSON-LD reads a one-element array and its element alike; OB 3.0 lists credentialSubject as one object.
  const subject = credential.credentialSubject;
  const unwrapped = Array.isArray(subject) && subject.length === 1;
  const validated = unwrapped ? { ...credential, credentialSubject: subject[0]! } : credential;
  const result = validateCredential(validated);
  const unwrapWarning: SchemaIssue[] = unwrapped
    ? [
        {
          path: '$.credentialSubject',
          code: 'invalid_type',
          message: 'A one-element array where Open Badges 3.0 expects an object.',
        },
      ]
    : [];
  if (result.valid && !unwrapped) {
    return check(
      'schema',
      'passed',
      `A well-formed ${result.kind} (${result.version === 'v2' ? 'VC 2.0' : 'VC 1.1'}).`,
    );
  }
  const issues = [...unwrapWarning, ...(result.valid ? [] : result.issues)];
  if (!result.valid && result.issues.length === 1 && result.issues[0]!.code === 'kind_unknown') return base;
  const hard = issues.filter((i) => !unwrapWarning.includes(i) && !isAdvisory(i, validated));
  const advisory = issues.filter((i) => unwrapWarning.includes(i) || isAdvisory(i, validated));
  if (hard.length > 0) {
    const first = hard[0]!;
    return check(
      'schema',
      'failed',
      `${first.message} (at ${first.path})${hard.length > 1 ? `, and ${hard.length - 1} more` : ''}.`,
      result.valid ? 'ERR_SCHEMA_INVALID' : result.code,
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
