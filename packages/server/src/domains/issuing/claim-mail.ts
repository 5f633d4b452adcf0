import { html } from 'hono/html';
import type { CredentialRow, Organization } from '../../db/schema.js';

/** The public URL a claim token is redeemed at. */
export const claimUrl = (publicUrl: string, token: string): string => `${publicUrl}/claim/${token}`;

/**
 * The mail that tells an email recipient about a new credential, with the claim link. The token is in the link only;
 * the database keeps its hash.
 */
export async function claimMail(
  publicUrl: string,
  org: Pick<Organization, 'name'>,
  achievementName: string,
  credential: Pick<CredentialRow, 'recipientEmail' | 'recipientName'>,
  token: string,
): Promise<{ toAddress: string; subject: string; text: string; html: string }> {
  const link = claimUrl(publicUrl, token);
  const greeting = credential.recipientName ? `Hello ${credential.recipientName},` : 'Hello,';
  const text = [
    greeting,
    '',
    `${org.name} has issued you the credential "${achievementName}".`,
    '',
    'Claim it to keep it in your Skillproof account, share it, or move it to a wallet:',
    link,
    '',
    `The link is meant for ${credential.recipientEmail}: whoever holds it can claim the credential, so do not forward it.`,
  ].join('\n');
  const body = await html`<!doctype html>
    <html lang="en">
      <body>
        <p>${greeting}</p>
        <p>${org.name} has issued you the credential <strong>${achievementName}</strong>.</p>
        <p>
          Claim it to keep it in your Skillproof account, share it, or move it to a wallet:
          <a href="${link}">${link}</a>
        </p>
        <p>
          The link is meant for ${credential.recipientEmail}: whoever holds it can claim the credential, so do not
          forward it.
        </p>
      </body>
    </html>`;
  return {
    toAddress: credential.recipientEmail!,
    subject: `${org.name} has issued you "${achievementName}"`,
    text,
    html: body.toString(),
  };
}
