import type { Context } from 'hono';

/** The client's address: the socket's peer (X-Forwarded-For is trusted only when `TRUST_PROXY=1`). */
export function clientAddress(c: Context): string {
  if (process.env['TRUST_PROXY'] === '1') {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'local';
}
