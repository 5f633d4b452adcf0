/** A JSON value as parsed by `JSON.parse`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * Fetches a URL and returns its body. Core never touches the network itself: a caller that wants network access
 * passes one of these (with its own allow-list, timeout and cache if it likes). On an HTTP error it throws an error
 * with a numeric `status` property, so that "not found" (a finding) can be told from "unreachable" (unknown).
 */
export type Fetcher = (url: string, init: { accept: string; signal: AbortSignal }) => Promise<FetchedDocument>;

export interface FetchedDocument {
  /** The body as text (JSON documents) or bytes (images). */
  body: string | Uint8Array;
  contentType?: string;
}

/** The current time, injected so that tests can freeze it. */
export type Clock = () => Date;

/** A JSON-LD document loader, in the shape jsonld.js expects. */
export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

export interface RemoteDocument {
  contextUrl?: string | null;
  documentUrl: string;
  document: JsonObject;
}
