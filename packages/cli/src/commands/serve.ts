import { configFromEnv, startServer } from '@skillproof/server';
import { createHttpFetcher, UsageError } from '../io.js';

/** `skillproof serve`: migrate, seed the demo into an empty database, and serve on PORT (default 3000). */
export async function serve(options: { port?: string }): Promise<number> {
  const port = options.port === undefined ? undefined : Number(options.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new UsageError(`Invalid port ${JSON.stringify(options.port)}.`);
  }
  const server = await startServer(configFromEnv(process.env, port === undefined ? {} : { port }), {
    fetcher: createHttpFetcher(),
  });
  console.log(`Skillproof listening on ${server.url}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
