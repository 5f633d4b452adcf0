/**
 * @skillproof/core: Open Badges 3.0 credentials on W3C VC 2.0 — model, proofs, keys and DIDs, status lists,
 * baked images and verification. No I/O: the network, the clock and randomness are injected.
 */
export { SkillproofError, isSkillproofError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type {
  JsonValue,
  JsonObject,
  Fetcher,
  FetchedDocument,
  Clock,
  DocumentLoader,
  RemoteDocument,
} from './types.js';

// --- contexts and JSON-LD
export { createDocumentLoader, bundledContexts } from './contexts/document-loader.js';
export type { DocumentLoaderOptions } from './contexts/document-loader.js';
export { canonize } from './jsonld/canonize.js';
export { checkTerms } from './jsonld/check-terms.js';
export type { CheckTermsOptions } from './jsonld/check-terms.js';

// --- keys and DIDs
export {
  generateEd25519Key,
  importEd25519Key,
  exportEd25519Multikey,
  encodeEd25519PublicKey,
  decodeEd25519PublicKey,
  ed25519DidKey,
  ed25519Backend,
} from './keys/multikey.js';
export type { Ed25519Key, Ed25519Multikey } from './keys/multikey.js';
export { createKeyResolver, didKeyDocument, didWebUrl, keyFromControllerDocument } from './keys/resolve-key.js';
export type { KeyResolver, KeyResolverOptions, ResolvedKey, ProofPurpose } from './keys/resolve-key.js';

// --- Data Integrity proofs and verification
export { signCredential } from './proofs/sign-credential.js';
export type { SignCredentialOptions } from './proofs/sign-credential.js';
export { verifyCredential } from './verify/verify-credential.js';
export type { VerifyCredentialOptions } from './verify/verify-credential.js';
export { checkLedger, findLogService, TRANSPARENCY_LOG_SERVICE } from './verify/ledger-check.js';
export type { LedgerCheckOptions, LogService, TrustedLog } from './verify/ledger-check.js';
export { isCredentialBundle } from './verify/credential-bundle.js';
export type { CredentialBundle } from './verify/credential-bundle.js';
export type { CheckId, CheckStatus, CredentialFormat, VerificationCheck, VerificationResult } from './verify/checks.js';

// --- credential model
export { validateCredential, assertValidCredential, detectCredentialKind } from './model/validate-credential.js';
export type {
  CredentialKind,
  CredentialValidationResult,
  ValidCredential,
  InvalidCredential,
  SchemaIssue,
  ValidateCredentialOptions,
  ValidationLimits,
} from './model/validate-credential.js';
export type { SchemaIssueCode } from './model/primitives.js';
export { hashIdentity, createIdentityObject, matchesIdentity, normalizeEmail } from './model/identity-object.js';
export type { EmailIdentityObject } from './model/identity-object.js';
export {
  buildAchievement,
  buildProfile,
  buildAchievementCredential,
  buildEndorsementCredential,
  buildClrCredential,
  OB_ACHIEVEMENT_CREDENTIAL_JSON_SCHEMA,
  CLR_CREDENTIAL_JSON_SCHEMA,
} from './model/build-credential.js';
export type {
  AchievementInput,
  ProfileInput,
  AchievementCredentialInput,
  EndorsementCredentialInput,
  ClrCredentialInput,
  CredentialCommonInput,
  CredentialSchemaInput,
  SubjectInput,
  ResultInput,
  EvidenceInput,
  ImageInput,
  CriteriaInput,
  AlignmentInput,
  ResultDescriptionInput,
  RubricCriterionLevelInput,
  IdentifierEntryInput,
  RelatedInput,
  AddressInput,
  GeoCoordinatesInput,
  AssociationInput,
} from './model/build-credential.js';
export { modelSchemas } from './model/schemas.js';
export type {
  AchievementCredential,
  AchievementCredentialV1p1,
  AnyAchievementCredential,
  OpenBadgeCredential,
  EndorsementCredential,
  EndorsementCredentialV1p1,
  AnyEndorsementCredential,
  ClrCredential,
  ClrCredentialV1p1,
  AnyClrCredential,
  Achievement,
  AchievementSubject,
  Profile,
  IdentityObject,
  IdentifierEntry,
  Image,
  Criteria,
  Alignment,
  Result,
  ResultDescription,
  RubricCriterionLevel,
  Related,
  Evidence,
  Address,
  GeoCoordinates,
  EndorsementSubject,
  ClrSubject,
  Association,
  Proof,
  CredentialSchema,
  CredentialStatus,
  RefreshService,
  TermsOfUse,
  VcVersion,
} from './model/schemas.js';
export {
  VC_V2_CONTEXT,
  VC_V1_CONTEXT,
  OB_V3_CONTEXT,
  CLR_V2_CONTEXT,
  ACHIEVEMENT_TYPES,
  ALIGNMENT_TARGET_TYPES,
  RESULT_TYPES,
  RESULT_STATUS_TYPES,
  IDENTIFIER_TYPES,
  ASSOCIATION_TYPES,
} from './model/vocabulary.js';
export type {
  AchievementType,
  AlignmentTargetType,
  ResultType,
  ResultStatusType,
  IdentifierType,
  AssociationType,
} from './model/vocabulary.js';

// --- status lists
export {
  createStatusList,
  decodeStatusList,
  STATUS_LIST_MIN_ENTRIES,
  STATUS_LIST_MAX_BYTES,
} from './status/status-list.js';
export type { StatusList, CreateStatusListOptions, DecodeStatusListOptions } from './status/status-list.js';
export { createStatusListIndexAllocator } from './status/index-allocator.js';
export type { StatusListIndexAllocator, StatusListIndexAllocatorOptions } from './status/index-allocator.js';
export { createStatusListCredential, createStatusListEntry } from './status/status-list-credential.js';
export type {
  StatusPurpose,
  StatusMessage,
  BitstringStatusListEntry,
  BitstringStatusListCredential,
  CreateStatusListCredentialInput,
  CreateStatusListEntryInput,
} from './status/status-list-credential.js';
export { checkCredentialStatus } from './status/check-credential-status.js';
export type {
  CheckCredentialStatusOptions,
  StatusCheckReport,
  StatusEntryReport,
  StatusListVerification,
} from './status/check-credential-status.js';

// --- baked images
export { bakePng, hasPngSignature, unbakePng } from './baking/png.js';
export { bakeSvg, unbakeSvg } from './baking/svg.js';
export { unbake } from './baking/unbake.js';
export type { BakingOptions, BakedCredential } from './baking/options.js';
export type { UnbakedImage } from './baking/unbake.js';

// --- JWT
export { generateRsaKey, importRsaKey, exportRsaKey, isRsaKey } from './jwt/rsa-key.js';
export type { RsaKey, RsaVerificationMethod, SigningKey } from './jwt/rsa-key.js';
export { signCredentialJwt } from './jwt/sign-credential-jwt.js';
export type { CredentialJwtForm, JwtSigningAlgorithm, SignCredentialJwtOptions } from './jwt/sign-credential-jwt.js';
export { verifyCredentialJwt } from './jwt/verify-credential-jwt.js';
export type { CredentialJwtVerification, JwtCheck, VerifyCredentialJwtOptions } from './jwt/verify-credential-jwt.js';

// --- batches
export { runOrderedBatch } from './batch/run-ordered-batch.js';
export type { BatchChunk, OrderedBatchOptions, OrderedBatchStats } from './batch/run-ordered-batch.js';

// --- transparency log (RFC 9162 Merkle trees, C2SP tlog-tiles, signed notes, checkpoints, cosignatures, tlog-proof)
export {
  HASH_SIZE,
  leafHash,
  nodeHash,
  emptyRoot,
  rootOf,
  treeRoot,
  inclusionProof,
  consistencyProof,
  verifyInclusion,
  verifyConsistency,
} from './ledger/merkle.js';
export type { HashReader } from './ledger/merkle.js';
export {
  TILE_HEIGHT,
  TILE_WIDTH,
  tilePath,
  parseTilePath,
  tileOfNode,
  tileWidth,
  newTiles,
  tileHashReader,
  createTileCache,
  tileData,
  entryBundle,
  parseEntryBundle,
} from './ledger/tiles.js';
export type { TileRef, TileReader, TileCache } from './ledger/tiles.js';
export { createMemoryTree } from './ledger/memory-tree.js';
export type { MemoryTree } from './ledger/memory-tree.js';
export {
  NOTE_TYPE_ED25519,
  NOTE_TYPE_COSIGNATURE,
  noteKeyHash,
  createNoteSigner,
  noteVerifierKey,
  parseVerifierKey,
  noteSignerKey,
  parseSignerKey,
  signNote,
  parseNote,
  openNote,
} from './ledger/note.js';
export type {
  NoteSigner,
  NoteVerifier,
  Ed25519NoteSigner,
  NoteVerifierKey,
  NoteSignature,
  CheckedNoteSignature,
  OpenedNote,
} from './ledger/note.js';
export { formatCheckpoint, parseCheckpoint } from './ledger/checkpoint.js';
export type { Checkpoint } from './ledger/checkpoint.js';
export { createCosigner, cosign, verifyCosignature } from './ledger/cosignature.js';
export type { Cosigner } from './ledger/cosignature.js';
export { formatTlogProof, parseTlogProof, verifyTlogProof } from './ledger/proof.js';
export type { TlogProof, TlogProofPolicy, TlogProofVerification } from './ledger/proof.js';
export { buildLeaf, parseLeaf, canonicalJson, credentialDigest } from './ledger/leaf.js';
export type { LogEvent, LogLeaf, CredentialLogEventType } from './ledger/leaf.js';
export { auditLog } from './ledger/audit.js';
export type { AuditGet, AuditResponse, AuditState, AuditFinding, AuditOptions, AuditReport } from './ledger/audit.js';
