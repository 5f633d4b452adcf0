import { pino, type DestinationStream } from 'pino';

/** The logger the app writes to: pino's interface, narrowed to what the app uses. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/**
 * A pino logger that redacts anything that could carry a secret (cookies, authorization headers, passwords,
 * private keys), whatever the caller passes.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      redact: {
        paths: [
          'password',
          '*.password',
          'secret',
          '*.secret',
          'secretKey',
          '*.secretKey',
          'privateKey',
          '*.privateKey',
          'token',
          '*.token',
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          'headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}
