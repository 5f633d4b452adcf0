import { configFromEnv, createPublicFetcher, startServer } from '@skillproof/server';
import { UsageError } from '../io.js';

/** `skillproof serve`: migrate, seed the demo into an empty database, and serve on PORT (default 3000). */
export async function serve(options: { port?: string }): Promise<number> {
  const port = options.port === undefined ? undefined : Number(options.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new UsageError(`Invalid port ${JSON.stringify(options.port)}.`);
  }
  const config = configFromEnv(process.env, port === undefined ? {} : { port });
  // The server fetches for strangers (/verify links, foreign did:web): public HTTPS addresses only.
  const server = await startServer(config, { fetcher: createPublicFetcher() });
  if (server.demoAccounts) {
    console.log('\nDemo organisation "Skillproof Demo University" seeded. Sign in with:');
    for (const a of server.demoAccounts) {
      const who = a.kind === 'staff' ? 'admin' : a.kind;
      console.log(`  ${who.padEnd(9)} ${a.email.padEnd(30)} ${a.password}`);
    }
    console.log(`(also in ${config.dataDir}/demo-accounts.json, mode 0600; shown only on this first start)\n`);
  }
  console.log(`Skillproof listening on ${server.url}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
