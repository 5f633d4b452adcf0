import type { LogAnchor } from './anchors.js';

/** A witness this instance's log asks to cosign its checkpoints (C2SP tlog-witness). */
export interface LogWitnessConfig {
  /** The witness's cosignature verifier key (`<name>+<hash>+<base64(0x04 ‖ key)>`). */
  vkey: string;
  /** Its submission prefix: checkpoints are POSTed to `<url>/add-checkpoint`. */
  url: string;
}

/**
 * How the instance's transparency log is witnessed and anchored, and which other logs it witnesses. Everything is
 * off by default: a lone instance signs and serves its checkpoints without cosignatures.
 */
export interface LedgerConfig {
  /** Witnesses asked to cosign each new checkpoint. */
  witnesses?: readonly LogWitnessConfig[];
  /** Cosignatures a checkpoint needs before it is served; default: every configured witness. */
  witnessQuorum?: number;
  /** The logs this instance witnesses, by their checkpoint verifier keys (the key name is the log's origin). */
  witnessedLogs?: readonly string[];
  /** HTTP for requests to witnesses and anchors (default: the global fetch). Tests route it to other apps. */
  fetch?: typeof fetch;
  /** Where signed checkpoints are anchored (timestamping, public chains): none by default. */
  anchors?: readonly LogAnchor[];
  /** How often the newest checkpoint is anchored while the log grows; default 900 (15 minutes). */
  anchorIntervalSeconds?: number;
}
