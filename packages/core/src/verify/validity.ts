import { isDateTime } from '../model/primitives.js';
import type { JsonObject } from '../types.js';
import { check } from './checks.js';
import type { VerificationCheck } from './checks.js';

function readDate(
  credential: JsonObject,
  names: string[],
): { name: string; value?: Date; invalid?: boolean } | undefined {
  for (const name of names) {
    const raw = credential[name];
    if (raw === undefined) continue;
    // A dateTimeStamp with its timezone, and a real calendar date (Date.parse would roll 02-30 over to March).
    if (typeof raw !== 'string' || !isDateTime(raw, true)) return { name, invalid: true };
    return { name, value: new Date(raw) };
  }
  return undefined;
}

/**
 * The validity period (VC 2.0 §4.9 `validFrom` / `validUntil`; VC 1.1 `issuanceDate` / `expirationDate`) against the
 * injected clock, allowing `skewSeconds` either way.
 */
export function checkValidity(credential: JsonObject, now: Date, skewSeconds: number): VerificationCheck {
  const from = readDate(credential, ['validFrom', 'issuanceDate']);
  const until = readDate(credential, ['validUntil', 'expirationDate']);
  for (const d of [from, until]) {
    if (d?.invalid)
      return check('validity', 'failed', `${d.name} is not an XML Schema dateTimeStamp.`, 'ERR_DATE_INVALID');
  }
  const skew = skewSeconds * 1000;
  if (from?.value && until?.value && until.value < from.value) {
    return check('validity', 'failed', `${until.name} is before ${from.name}.`, 'ERR_DATE_INVALID');
  }
  if (from?.value && now.getTime() + skew < from.value.getTime()) {
    return check(
      'validity',
      'failed',
      `The credential is not valid until ${from.value.toISOString()}.`,
      'ERR_NOT_YET_VALID',
      {
        [from.name]: from.value.toISOString(),
      },
    );
  }
  if (until?.value && now.getTime() - skew > until.value.getTime()) {
    return check('validity', 'failed', `The credential expired on ${until.value.toISOString()}.`, 'ERR_EXPIRED', {
      [until.name]: until.value.toISOString(),
    });
  }
  if (!from?.value && !until?.value) return check('validity', 'passed', 'The credential states no validity period.');
  return check('validity', 'passed', 'The credential is within its validity period.');
}
