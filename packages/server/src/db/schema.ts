import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The database as Kysely sees it (camelCase here, snake_case in SQL through CamelCasePlugin).
 * One interface per table; the migrations in `./migrations` are the source of truth and this file follows them.
 */
export interface Database {
  organizations: OrganizationsTable;
  orgKeys: OrgKeysTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  apiTokens: ApiTokensTable;
  auditLog: AuditLogTable;
  achievements: AchievementsTable;
  achievementVersions: AchievementVersionsTable;
  statusLists: StatusListsTable;
  credentials: CredentialsTable;
  batches: BatchesTable;
  batchRows: BatchRowsTable;
  outbox: OutboxTable;
  frameworks: FrameworksTable;
  frameworkItems: FrameworkItemsTable;
  frameworkAssociations: FrameworkAssociationsTable;
  occupations: OccupationsTable;
  occupationRelations: OccupationRelationsTable;
  occupationSkills: OccupationSkillsTable;
  proficiencyScales: ProficiencyScalesTable;
  jobProfiles: JobProfilesTable;
  jobProfileSkills: JobProfileSkillsTable;
  achievementSkills: AchievementSkillsTable;
  assessments: AssessmentsTable;
  quizQuestions: QuizQuestionsTable;
  quizAttempts: QuizAttemptsTable;
  submissions: SubmissionsTable;
  submissionFiles: SubmissionFilesTable;
  reviewAssignments: ReviewAssignmentsTable;
  gradings: GradingsTable;
  appeals: AppealsTable;
  assessmentOutcomes: AssessmentOutcomesTable;
  awardRules: AwardRulesTable;
  awardRuleRefs: AwardRuleRefsTable;
  awardEvents: AwardEventsTable;
  webhookSecrets: WebhookSecretsTable;
  awardApprovals: AwardApprovalsTable;
  awards: AwardsTable;
  awardReminders: AwardRemindersTable;
  heldCredentials: HeldCredentialsTable;
  endorsements: EndorsementsTable;
  instanceKeys: InstanceKeysTable;
  logState: LogStateTable;
  logEntries: LogEntriesTable;
  logTiles: LogTilesTable;
  logCheckpoints: LogCheckpointsTable;
  logCheckpointCosignatures: LogCheckpointCosignaturesTable;
  logWitnessState: LogWitnessStateTable;
  witnessKeys: WitnessKeysTable;
  witnessedLogs: WitnessedLogsTable;
  witnessEvidence: WitnessEvidenceTable;
  logKeys: LogKeysTable;
  logAnchors: LogAnchorsTable;
  declaredSkills: DeclaredSkillsTable;
}

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T = unknown> = ColumnType<T, string, string>;

export type Role = 'owner' | 'admin' | 'issuer' | 'assessor' | 'viewer';
export type AccountKind = 'staff' | 'learner' | 'employer';

export interface OrganizationsTable {
  id: string;
  slug: string;
  name: string;
  url: string | null;
  email: string | null;
  description: string | null;
  image: string | null;
  parentOrgId: string | null;
  /** Credentials get a suspension entry too (`credentialStatus` an array of two); off: one revocation entry. */
  suspendableCredentials: ColumnType<boolean, boolean | undefined, boolean>;
  createdAt: CreatedAt;
  updatedAt: Timestamp;
}

export interface OrgKeysTable {
  id: string;
  orgId: string;
  /** The DID URL fragment, e.g. `key-1`. */
  fragment: string;
  publicKeyMultibase: string;
  /** AES-256-GCM(master key, secret key): version byte ‖ nonce ‖ ciphertext ‖ tag. Never leaves the server. */
  secretCiphertext: Uint8Array;
  createdAt: CreatedAt;
  expiresAt: Timestamp | null;
  revokedAt: Timestamp | null;
  revokedReason: string | null;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  passwordHash: string | null;
  kind: AccountKind;
  createdAt: CreatedAt;
}

export interface MembershipsTable {
  orgId: string;
  userId: string;
  role: Role;
  createdAt: CreatedAt;
}

export interface SessionsTable {
  /** sha256 of the session cookie's value: a database leak does not leak sessions. */
  idHash: string;
  userId: string;
  csrfToken: string;
  createdAt: CreatedAt;
  expiresAt: Timestamp;
}

export interface ApiTokensTable {
  id: string;
  userId: string;
  /** A token bound to one organisation can act only there. */
  orgId: string | null;
  name: string;
  tokenHash: string;
  scopes: string[];
  createdAt: CreatedAt;
  expiresAt: Timestamp | null;
  revokedAt: Timestamp | null;
  lastUsedAt: Timestamp | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  orgId: string | null;
  actorUserId: string | null;
  actorTokenId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  data: Json<Record<string, unknown>>;
  at: Timestamp;
}

export interface AchievementsTable {
  id: string;
  orgId: string;
  currentVersion: number;
  createdAt: CreatedAt;
  updatedAt: Timestamp;
  archivedAt: Timestamp | null;
  /** In the public learning catalogue since; null: not published (archiving clears it). */
  publishedAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface AchievementVersionsTable {
  achievementId: string;
  version: number;
  /** The validated definition (see achievements/definition.ts). */
  definition: Json<Record<string, unknown>>;
  createdAt: CreatedAt;
  createdBy: string | null;
}

export type StatusListPurpose = 'revocation' | 'suspension';

export interface StatusListsTable {
  id: string;
  orgId: string;
  purpose: StatusListPurpose;
  /** Number of entries (bits). */
  size: number;
  /** The bitstring, uncompressed; bit i is byte i>>3, mask 0x80 >> (i & 7) (W3C Bitstring Status List). */
  bits: Uint8Array;
  /** Which indexes have been handed out, in the same bit order as `bits`; `allocated` counts them. */
  allocation: Uint8Array;
  allocated: number;
  /** Bumped on every change to `bits`; `signedVersion` says which version `signedCredential` encodes. */
  version: number;
  signedVersion: number | null;
  signedCredential: Json<Record<string, unknown>> | null;
  createdAt: CreatedAt;
  updatedAt: Timestamp;
}

export type CredentialState = 'active' | 'revoked' | 'suspended';

export interface CredentialsTable {
  id: string;
  orgId: string;
  achievementId: string;
  achievementVersion: number;
  recipientEmail: string | null;
  recipientDid: string | null;
  recipientName: string | null;
  issuedAt: Timestamp;
  validFrom: Timestamp;
  validUntil: Timestamp | null;
  state: CredentialState;
  stateReason: string | null;
  stateChangedAt: Timestamp | null;
  revocationListId: string;
  revocationIndex: number;
  /** Both null when the credential was issued without a suspension entry. */
  suspensionListId: string | null;
  suspensionIndex: number | null;
  /** The Data Integrity–signed credential. */
  document: Json<Record<string, unknown>>;
  /** The same credential as a VC-JWT. */
  jwt: string;
  holderUserId: string | null;
  claimTokenHash: string | null;
  claimedAt: Timestamp | null;
  /** The recipient chose to show their name on the public page. */
  namePublic: boolean;
  batchId: string | null;
  batchRow: number | null;
  idempotencyKey: string | null;
  requestHash: string | null;
  createdBy: string | null;
}

export type BatchStatus = 'preview' | 'queued' | 'running' | 'completed' | 'cancelled';

export interface BatchesTable {
  id: string;
  orgId: string;
  achievementId: string;
  achievementVersion: number;
  status: BatchStatus;
  filename: string | null;
  totalRows: number;
  validRows: number;
  invalidRows: number;
  createdBy: string | null;
  createdAt: CreatedAt;
  confirmedAt: Timestamp | null;
  completedAt: Timestamp | null;
  /** The upload's Idempotency-Key, and the hash of what it was sent with (achievement, file name, bytes). */
  idempotencyKey: string | null;
  requestHash: string | null;
}

export type BatchRowState = 'invalid' | 'pending' | 'issued' | 'failed';

export interface BatchRowsTable {
  batchId: string;
  rowNumber: number;
  data: Json<Record<string, string>>;
  errors: Json<{ code: string; message: string; column?: string }[]> | null;
  state: BatchRowState;
  credentialId: string | null;
}

export interface OutboxTable {
  id: string;
  toAddress: string;
  subject: string;
  text: string;
  html: string | null;
  createdAt: CreatedAt;
  sentAt: Timestamp | null;
  error: string | null;
  /** Delivery attempts so far (the dispatcher's retry count). */
  attempts: ColumnType<number, number | undefined, number>;
  /** Not before this time (a retry's back-off, or a send in progress); null: as soon as possible. */
  nextAttemptAt: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export type Organization = Selectable<OrganizationsTable>;
export type NewOrganization = Insertable<OrganizationsTable>;
export type OrganizationUpdate = Updateable<OrganizationsTable>;
export type User = Selectable<UsersTable>;
export type CredentialRow = Selectable<CredentialsTable>;
export type StatusListRow = Selectable<StatusListsTable>;

export type FrameworkSourceKind = 'esco' | 'onet' | 'case' | 'custom';
type JsonObject = ColumnType<Record<string, unknown>, string | undefined, string>;
type JsonStrings = ColumnType<string[], string | undefined, string>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface FrameworksTable {
  id: string;
  /** Null: global (the shipped ESCO and O*NET catalogues). */
  orgId: string | null;
  source: FrameworkSourceKind;
  /** The CASE CFDocument identifier (a UUID). */
  identifier: string;
  uri: string;
  version: string | null;
  title: string;
  creator: string;
  publisher: string | null;
  description: string | null;
  language: string | null;
  licenseUri: string | null;
  attribution: string | null;
  adoptionStatus: string | null;
  public: ColumnType<boolean, boolean | undefined, boolean>;
  extra: JsonObject;
  contentHash: string | null;
  lastChangeAt: Timestamp;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface FrameworkItemsTable {
  id: string;
  frameworkId: string;
  /** The source's identifier: ESCO concept URI, O*NET element id, CASE CFItem identifier. */
  identifier: string;
  caseIdentifier: string;
  uri: string | null;
  type: string;
  code: string | null;
  statement: string;
  abbreviatedStatement: string | null;
  altLabels: JsonStrings;
  description: string | null;
  language: string | null;
  listEnumeration: string | null;
  extra: JsonObject;
  lastChangeAt: Timestamp | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface FrameworkAssociationsTable {
  id: string;
  frameworkId: string;
  identifier: string;
  caseIdentifier: string;
  /** A CASE association type, or an extension `ext:…`. */
  type: string;
  originItemId: string | null;
  originIdentifier: string;
  originUri: string | null;
  originTitle: string | null;
  destinationItemId: string | null;
  destinationIdentifier: string;
  destinationUri: string | null;
  destinationTitle: string | null;
  sequenceNumber: number | null;
  extra: JsonObject;
  lastChangeAt: Timestamp | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface OccupationsTable {
  id: string;
  frameworkId: string;
  identifier: string;
  kind: 'occupation' | 'group';
  code: string | null;
  title: string;
  altLabels: JsonStrings;
  description: string | null;
  uri: string | null;
  jobZone: number | null;
  extra: JsonObject;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface OccupationRelationsTable {
  occupationId: string;
  type: 'broader' | 'related';
  relatedOccupationId: string;
  rank: number | null;
  tier: string | null;
}

export interface OccupationSkillsTable {
  occupationId: string;
  itemId: string;
  relation: 'essential' | 'optional' | null;
  importance: number | null;
  level: number | null;
  /** 0–1, comparable across sources. */
  weight: number;
  extra: JsonObject;
}

export interface ProficiencyLevel {
  code: string;
  name: string;
  description?: string;
  value: number;
}

export interface ProficiencyScalesTable {
  id: string;
  orgId: string | null;
  key: string;
  title: string;
  kind: 'eqf' | 'onet-level' | 'onet-importance' | 'rubric';
  description: string | null;
  levels: ColumnType<ProficiencyLevel[], string, string>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface JobProfilesTable {
  id: string;
  orgId: string;
  title: string;
  description: string | null;
  occupationId: string | null;
  createdBy: string | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
  archivedAt: Timestamp | null;
}

export interface JobProfileSkillsTable {
  jobProfileId: string;
  itemId: string;
  weight: ColumnType<number, number | undefined, number>;
  scaleId: string | null;
  requiredLevel: string | null;
}

export interface AchievementSkillsTable {
  achievementId: string;
  itemId: string;
  scaleId: string | null;
  requiredLevel: string | null;
}

// --- earning (migration 2026-11-30T1300_earning)

export type AssessmentKind = 'quiz' | 'project' | 'peer_review';

export interface AssessmentsTable {
  id: string;
  orgId: string;
  achievementId: string | null;
  kind: AssessmentKind;
  title: string;
  description: string | null;
  /** The kind's options (see the kind's settings schema). */
  settings: Json;
  state: ColumnType<'draft' | 'open' | 'closed', 'draft' | 'open' | 'closed' | undefined>;
  opensAt: Timestamp | null;
  closesAt: Timestamp | null;
  createdBy: string | null;
  createdAt: CreatedAt;
  updatedAt: Timestamp;
  archivedAt: Timestamp | null;
}

export type QuestionType =
  'single_choice' | 'multiple_choice' | 'true_false' | 'numeric' | 'short_answer' | 'ordering' | 'matching';

export interface QuizQuestionsTable {
  id: string;
  assessmentId: string;
  pool: ColumnType<string, string | undefined>;
  position: number;
  type: QuestionType;
  prompt: string;
  points: number;
  /** What a learner may see. */
  body: Json;
  /** The answer key: never in a learner-facing response. */
  answer: Json;
  feedback: Json | null;
  createdAt: CreatedAt;
  archivedAt: Timestamp | null;
}

export interface QuizAttemptsTable {
  id: string;
  assessmentId: string;
  learnerUserId: string;
  number: number;
  state: 'in_progress' | 'submitted' | 'expired';
  startedAt: Timestamp;
  deadlineAt: Timestamp | null;
  submittedAt: Timestamp | null;
  questions: Json;
  answers: ColumnType<unknown, string | undefined, string>;
  results: Json | null;
  score: number | null;
  maxScore: number | null;
  percent: number | null;
  passed: boolean | null;
}

export interface SubmissionsTable {
  id: string;
  assessmentId: string;
  learnerUserId: string | null;
  number: number;
  state: 'submitted' | 'graded' | 'returned' | 'withdrawn';
  text: string | null;
  links: ColumnType<unknown, string | undefined, string>;
  isReference: ColumnType<boolean, boolean | undefined, boolean>;
  referenceLevels: Json | null;
  submittedAt: Timestamp;
  gradedAt: Timestamp | null;
  levels: Json | null;
  score: number | null;
  percent: number | null;
  passed: boolean | null;
}

export interface SubmissionFilesTable {
  id: string;
  submissionId: string;
  name: string;
  mediaType: string;
  size: number;
  sha256: string;
  content: Uint8Array;
}

export interface ReviewAssignmentsTable {
  id: string;
  assessmentId: string;
  submissionId: string;
  reviewerUserId: string;
  kind: 'assessor' | 'peer' | 'calibration';
  state: ColumnType<'assigned' | 'done', 'assigned' | 'done' | undefined>;
  createdAt: CreatedAt;
}

export interface GradingsTable {
  id: string;
  submissionId: string;
  graderUserId: string;
  kind: 'assessor' | 'peer' | 'calibration' | 'appeal';
  levels: Json;
  score: number;
  comment: string | null;
  criterionComments: Json | null;
  weight: number | null;
  outlier: ColumnType<boolean, boolean | undefined, boolean>;
  createdAt: CreatedAt;
}

export interface AppealsTable {
  id: string;
  submissionId: string;
  learnerUserId: string;
  reason: string;
  state: ColumnType<'open' | 'upheld' | 'rejected', 'open' | 'upheld' | 'rejected' | undefined>;
  resolution: string | null;
  resolvedBy: string | null;
  createdAt: CreatedAt;
  resolvedAt: Timestamp | null;
}

export interface AssessmentOutcomesTable {
  id: string;
  orgId: string;
  assessmentId: string;
  learnerUserId: string;
  source: 'quiz_attempt' | 'submission';
  sourceId: string;
  passed: boolean;
  percent: number;
  results: Json;
  evidence: Json;
  at: Timestamp;
}

export interface AwardRulesTable {
  achievementId: string;
  orgId: string;
  rule: Json;
  trustedIssuers: ColumnType<unknown, string | undefined, string>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  updatedBy: string | null;
  updatedAt: Timestamp;
}

export type AwardRuleRefType = 'assessment' | 'achievement' | 'external_achievement' | 'event' | 'approval' | 'credits';

export interface AwardRuleRefsTable {
  achievementId: string;
  refType: AwardRuleRefType;
  ref: string;
}

export interface AwardEventsTable {
  id: string;
  orgId: string;
  learnerUserId: string;
  name: string;
  data: ColumnType<unknown, string | undefined, string>;
  source: 'api' | 'webhook';
  eventKey: string | null;
  at: Timestamp;
}

export interface WebhookSecretsTable {
  id: string;
  orgId: string;
  /** Sealed by the master key, like signing keys. */
  secretCiphertext: Uint8Array;
  createdAt: CreatedAt;
  revokedAt: Timestamp | null;
}

export interface AwardApprovalsTable {
  achievementId: string;
  learnerUserId: string;
  approvedBy: string;
  note: string | null;
  at: Timestamp;
}

export interface AwardsTable {
  id: string;
  orgId: string;
  achievementId: string;
  learnerUserId: string;
  generation: number;
  credentialId: string;
  basis: Json;
  awardedAt: Timestamp;
}

export interface AwardRemindersTable {
  awardId: string;
  daysBefore: number;
  sentAt: Timestamp;
}

export interface HeldCredentialsTable {
  id: string;
  userId: string;
  issuerId: string;
  achievementUri: string | null;
  /** json: kept exactly as received. */
  document: Json | null;
  jwt: string | null;
  credits: number | null;
  validFrom: Timestamp | null;
  validUntil: Timestamp | null;
  verifiedAt: Timestamp;
  verification: Json;
  createdAt: CreatedAt;
  contentHash: string;
}

export interface EndorsementsTable {
  id: string;
  endorserOrgId: string;
  targetType: 'achievement' | 'organization';
  targetId: string;
  comment: string | null;
  credential: Json;
  revocationListId: string;
  revocationIndex: number;
  createdAt: CreatedAt;
  revokedAt: Timestamp | null;
}

export interface InstanceKeysTable {
  id: string;
  fragment: string;
  publicKeyMultibase: string;
  secretCiphertext: Uint8Array;
  createdAt: CreatedAt;
  revokedAt: Timestamp | null;
}

export interface LogStateTable {
  id: boolean;
  /** The index the next entry gets. */
  size: number;
}

export type LogEntryType = 'issue' | 'revoke' | 'suspend' | 'unsuspend' | 'key-add' | 'key-revoke';

export interface LogEntriesTable {
  idx: number;
  leaf: Uint8Array;
  leafHash: Uint8Array;
  type: LogEntryType;
  credentialId: string | null;
  orgId: string;
  at: Timestamp;
}

export interface LogTilesTable {
  level: number;
  idx: number;
  /** The tile's hashes, 32 bytes each. */
  hashes: Uint8Array;
  /** The roots of its complete runs of 16 hashes. */
  runs: Uint8Array;
}

export interface LogCheckpointsTable {
  size: number;
  rootHash: Uint8Array;
  /** The signed note, as served. */
  note: string;
  createdAt: Timestamp;
}

export interface LogCheckpointCosignaturesTable {
  size: number;
  /** The witness's cosignature verifier key. */
  witness: string;
  /** The note signature line it answered (without a newline). */
  line: string;
  createdAt: Timestamp;
}

export interface LogWitnessStateTable {
  /** The witness's cosignature verifier key. */
  witness: string;
  /** The size it last cosigned: the old size of the next add-checkpoint. */
  size: number;
  updatedAt: Timestamp;
}

/** The witness's cosigning key: the same shape as the log key's (both are `singletonKey`s). */
export type WitnessKeysTable = LogKeysTable;

export interface WitnessedLogsTable {
  origin: string;
  /** The size of the latest checkpoint cosigned (0 before the first). */
  size: number;
  rootHash: Uint8Array | null;
  note: string | null;
  updatedAt: Timestamp;
}

export type WitnessEvidenceKind = 'split-view' | 'inconsistent';

export interface WitnessEvidenceTable {
  id: string;
  origin: string;
  kind: WitnessEvidenceKind;
  witnessedSize: number;
  witnessedNote: string;
  conflictingSize: number;
  conflictingRoot: Uint8Array;
  conflictingNote: string;
  /** The consistency proof sent with it, base64 lines. */
  proof: string;
  createdAt: Timestamp;
}

export interface LogKeysTable {
  id: string;
  name: string;
  publicKey: Uint8Array;
  secretCiphertext: Uint8Array;
  createdAt: Timestamp;
  revokedAt: Timestamp | null;
}

export interface LogAnchorsTable {
  anchor: string;
  size: number;
  rootHash: Uint8Array;
  /** The checkpoint note exactly as anchored. */
  note: string;
  anchoredAt: Timestamp;
  receipt: string;
  createdAt: Timestamp;
}

/** A skill a learner declares without a credential (self-declared; never counted as verified). */
export interface DeclaredSkillsTable {
  userId: string;
  itemId: string;
  /** 0–1; null: claimed fully. */
  level: number | null;
  declaredAt: Timestamp;
}
