/**
 * An organisation's public identity under the instance's origin: `did:web:<host>%3A<port>:orgs:<slug>`, whose DID
 * document is served at `<origin>/orgs/<slug>/did.json` (the did:web method's path rule).
 */
export function orgDid(publicUrl: string, slug: string): string {
  const { host } = new URL(publicUrl);
  return `did:web:${host.replace(':', '%3A')}:orgs:${slug}`;
}

export function orgDidDocumentUrl(publicUrl: string, slug: string): string {
  return `${publicUrl}/orgs/${slug}/did.json`;
}
