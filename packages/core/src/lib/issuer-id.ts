/** The id of a credential's issuer: `issuer` itself when a string, else `issuer.id` (VC 2.0 §4.7). */
export function issuerId(credential: Readonly<Record<string, unknown>>): string | undefined {
  const issuer = credential.issuer;
  if (typeof issuer === 'string') return issuer;
  if (issuer !== null && typeof issuer === 'object' && !Array.isArray(issuer)) {
    const id = (issuer as Record<string, unknown>).id;
    if (typeof id === 'string') return id;
  }
  return undefined;
}
