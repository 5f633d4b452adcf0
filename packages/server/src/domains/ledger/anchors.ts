/** A signed checkpoint as an anchor receives it. */
export interface AnchoredCheckpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  /** The signed note, verbatim. */
  note: string;
}

/** What an anchor returns and the log stores: evidence that the checkpoint existed by some time. */
export interface AnchorReceipt {
  /** When the anchor says the checkpoint existed (its timestamp, or the block's time). */
  at: Date;
  /** The anchor's own evidence, as it would verify it (a DER TimeStampToken in base64, a transaction id, …). */
  receipt: string;
}

/**
 * An anchoring plugin: sends a checkpoint (in practice its note's SHA-256) to an external timestamping service or a
 * public chain and returns a receipt; later checks a receipt against the checkpoint. Plugins are configured in
 * `LedgerConfig.anchors`; none is on by default.
 */
export interface LogAnchor {
  /** A short stable name (`rfc3161:freetsa`, `opentimestamps`), stored with each receipt. */
  readonly name: string;
  /** Anchors the checkpoint; throws when the service cannot be reached (the step retries later). */
  anchor(checkpoint: AnchoredCheckpoint, signal: AbortSignal): Promise<AnchorReceipt>;
  /** Whether a stored receipt is evidence for this checkpoint. */
  verify(checkpoint: AnchoredCheckpoint, receipt: AnchorReceipt): Promise<boolean>;
}
