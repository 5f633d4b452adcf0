import { serve as serveNode } from '@hono/node-server';
import { createApp } from '@skillproof/server';
import { createHttpFetcher, UsageError } from '../io.js';

/** `skillproof serve`: the HTTP server, on PORT (default 3000). */
export async function serve(options: { port?: string }): Promise<number> {
  const port = Number(options.port ?? process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`Invalid port ${JSON.stringify(options.port)}.`);
  const app = createApp({ fetcher: createHttpFetcher() });
  await new Promise<void>((resolve) => {
    const server = serveNode({ fetch: app.fetch, port }, (info) => {
      console.log(`Skillproof listening on http://localhost:${info.port}`);
    });
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
