// rdf-canonize 5 ships no type declarations; these cover only what the fast-canonicalize tests call.
declare module 'rdf-canonize' {
  export function canonize(
    input: readonly object[],
    options: { algorithm: 'RDFC-1.0'; maxWorkFactor?: number },
  ): Promise<string>;
}
