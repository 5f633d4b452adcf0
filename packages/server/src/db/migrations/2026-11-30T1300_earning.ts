import type { Kysely } from 'kysely';
import { executeStatements } from '../execute-statements.js';

/**
 * Earning: assessments (quizzes, rubric-graded projects, peer review) and their outcomes; the award engine's rules,
 * external events, approvals and awards; credentials learners hold from other issuers; endorsements; the instance's own
 * signing key (it signs learners' CLR exports); renewal reminders.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeStatements(
    db,
    `
    -- An assessment an organisation authors; passing it counts toward its achievement (when set) and toward any award
    -- rule that names it. settings holds the kind's options, validated by the kind's schema.
    CREATE TABLE assessments (
      id uuid PRIMARY KEY,
      org_id uuid NOT NULL REFERENCES organizations(id),
      achievement_id uuid REFERENCES achievements(id),
      kind text NOT NULL CHECK (kind IN ('quiz', 'project', 'peer_review')),
      title text NOT NULL,
      description text,
      settings jsonb NOT NULL,
      -- draft: only staff see it; open: learners take it (between opens_at and closes_at when set); closed: done.
      state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'open', 'closed')),
      opens_at timestamptz,
      closes_at timestamptz,
      created_by uuid REFERENCES users(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      archived_at timestamptz
    );
    CREATE INDEX assessments_org ON assessments (org_id, created_at);
    CREATE INDEX assessments_achievement ON assessments (achievement_id) WHERE achievement_id IS NOT NULL;

    -- A quiz's item bank. body is what a learner may see (choices, items to order, pairs to match); answer is the key
    -- and never leaves the server in a learner-facing response.
    CREATE TABLE quiz_questions (
      id uuid PRIMARY KEY,
      assessment_id uuid NOT NULL REFERENCES assessments(id),
      pool text NOT NULL DEFAULT 'default',
      position integer NOT NULL,
      type text NOT NULL CHECK (type IN ('single_choice', 'multiple_choice', 'true_false', 'numeric', 'short_answer',
                                        'ordering', 'matching')),
      prompt text NOT NULL,
      points double precision NOT NULL CHECK (points > 0),
      body jsonb NOT NULL DEFAULT '{}',
      answer jsonb NOT NULL,
      feedback jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      archived_at timestamptz
    );
    CREATE INDEX quiz_questions_assessment ON quiz_questions (assessment_id, pool, position);

    CREATE TABLE quiz_attempts (
      id uuid PRIMARY KEY,
      assessment_id uuid NOT NULL REFERENCES assessments(id),
      learner_user_id uuid NOT NULL REFERENCES users(id),
      number integer NOT NULL CHECK (number >= 1),
      state text NOT NULL CHECK (state IN ('in_progress', 'submitted', 'expired')),
      started_at timestamptz NOT NULL,
      -- Set by the server from the time limit: answers after it are refused, and the attempt is scored as it stood.
      deadline_at timestamptz,
      submitted_at timestamptz,
      -- The questions drawn for this attempt, in the order shown, with each one's shuffled choice order.
      questions jsonb NOT NULL,
      answers jsonb NOT NULL DEFAULT '{}',
      -- Per question: points awarded, correct or not (what item statistics are computed from).
      results jsonb,
      score double precision,
      max_score double precision,
      percent double precision,
      passed boolean,
      UNIQUE (assessment_id, learner_user_id, number)
    );
    -- At most one attempt in progress per learner and quiz.
    CREATE UNIQUE INDEX quiz_attempts_one_open ON quiz_attempts (assessment_id, learner_user_id)
      WHERE state = 'in_progress';

    -- A project (or peer-reviewed) submission. is_reference: a calibration submission an author wrote, with the
    -- grade it deserves in reference_levels.
    CREATE TABLE submissions (
      id uuid PRIMARY KEY,
      assessment_id uuid NOT NULL REFERENCES assessments(id),
      learner_user_id uuid REFERENCES users(id),
      number integer NOT NULL CHECK (number >= 1),
      state text NOT NULL CHECK (state IN ('submitted', 'graded', 'returned', 'withdrawn')),
      text text,
      links jsonb NOT NULL DEFAULT '[]',
      is_reference boolean NOT NULL DEFAULT false,
      reference_levels jsonb,
      submitted_at timestamptz NOT NULL,
      graded_at timestamptz,
      -- The final grade: rubric levels per criterion, score and percent, pass or not.
      levels jsonb,
      score double precision,
      percent double precision,
      passed boolean,
      CHECK (is_reference OR learner_user_id IS NOT NULL),
      UNIQUE (assessment_id, learner_user_id, number)
    );
    CREATE INDEX submissions_assessment ON submissions (assessment_id, submitted_at);

    CREATE TABLE submission_files (
      id uuid PRIMARY KEY,
      submission_id uuid NOT NULL REFERENCES submissions(id),
      name text NOT NULL,
      media_type text NOT NULL,
      size integer NOT NULL CHECK (size >= 0),
      sha256 text NOT NULL,
      content bytea NOT NULL
    );
    CREATE INDEX submission_files_submission ON submission_files (submission_id);

    -- Who must review what: an assessor's grading, a peer's review, or a calibration review of a reference submission.
    CREATE TABLE review_assignments (
      id uuid PRIMARY KEY,
      assessment_id uuid NOT NULL REFERENCES assessments(id),
      submission_id uuid NOT NULL REFERENCES submissions(id),
      reviewer_user_id uuid NOT NULL REFERENCES users(id),
      kind text NOT NULL CHECK (kind IN ('assessor', 'peer', 'calibration')),
      state text NOT NULL DEFAULT 'assigned' CHECK (state IN ('assigned', 'done')),
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (submission_id, reviewer_user_id)
    );
    CREATE INDEX review_assignments_reviewer ON review_assignments (reviewer_user_id, state);

    -- One grading of one submission by one person: rubric levels per criterion, comments.
    CREATE TABLE gradings (
      id uuid PRIMARY KEY,
      submission_id uuid NOT NULL REFERENCES submissions(id),
      grader_user_id uuid NOT NULL REFERENCES users(id),
      kind text NOT NULL CHECK (kind IN ('assessor', 'peer', 'calibration', 'appeal')),
      levels jsonb NOT NULL,
      score double precision NOT NULL,
      comment text,
      criterion_comments jsonb,
      -- Peer reviews: the reviewer's calibration accuracy (0–1) when the grade was computed, and whether the review
      -- lies far from the others (flagged to an assessor).
      weight double precision,
      outlier boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (submission_id, grader_user_id, kind)
    );

    CREATE TABLE appeals (
      id uuid PRIMARY KEY,
      submission_id uuid NOT NULL REFERENCES submissions(id),
      learner_user_id uuid NOT NULL REFERENCES users(id),
      reason text NOT NULL,
      state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'upheld', 'rejected')),
      resolution text,
      resolved_by uuid REFERENCES users(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      resolved_at timestamptz
    );
    -- One open appeal per submission.
    CREATE UNIQUE INDEX appeals_one_open ON appeals (submission_id) WHERE state = 'open';

    -- What an assessment concluded about a learner: the award engine's input. One row per graded attempt or submission.
    CREATE TABLE assessment_outcomes (
      id uuid PRIMARY KEY,
      org_id uuid NOT NULL REFERENCES organizations(id),
      assessment_id uuid NOT NULL REFERENCES assessments(id),
      learner_user_id uuid NOT NULL REFERENCES users(id),
      source text NOT NULL CHECK (source IN ('quiz_attempt', 'submission')),
      source_id uuid NOT NULL,
      passed boolean NOT NULL,
      -- 0–100.
      percent double precision NOT NULL,
      -- OB 3.0 Result and Evidence entries the credential carries when this outcome earns it.
      results jsonb NOT NULL DEFAULT '[]',
      evidence jsonb NOT NULL DEFAULT '[]',
      at timestamptz NOT NULL,
      UNIQUE (source, source_id)
    );
    CREATE INDEX assessment_outcomes_learner ON assessment_outcomes (learner_user_id, assessment_id);

    -- The declarative criteria of an achievement (all-of / any-of / n-of, assessments, credits, windows, events,
    -- approval). An achievement with assessments and no rule is earned by passing them all.
    CREATE TABLE award_rules (
      achievement_id uuid PRIMARY KEY REFERENCES achievements(id),
      org_id uuid NOT NULL REFERENCES organizations(id),
      rule jsonb NOT NULL,
      -- Issuers (DIDs or URLs) whose verified credentials count for components earned elsewhere.
      trusted_issuers jsonb NOT NULL DEFAULT '[]',
      enabled boolean NOT NULL DEFAULT true,
      updated_by uuid REFERENCES users(id),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    -- What each rule refers to (an assessment, an achievement, an event name): which rules an event can change.
    CREATE TABLE award_rule_refs (
      achievement_id uuid NOT NULL REFERENCES award_rules(achievement_id) ON DELETE CASCADE,
      ref_type text NOT NULL CHECK (ref_type IN ('assessment', 'achievement', 'external_achievement', 'event',
                                                 'approval', 'credits')),
      ref text NOT NULL,
      PRIMARY KEY (achievement_id, ref_type, ref)
    );
    CREATE INDEX award_rule_refs_ref ON award_rule_refs (ref_type, ref);

    -- An external event about a learner (posted through the API or a signed webhook).
    CREATE TABLE award_events (
      id uuid PRIMARY KEY,
      org_id uuid NOT NULL REFERENCES organizations(id),
      learner_user_id uuid NOT NULL REFERENCES users(id),
      name text NOT NULL,
      data jsonb NOT NULL DEFAULT '{}',
      source text NOT NULL CHECK (source IN ('api', 'webhook')),
      event_key text,
      at timestamptz NOT NULL,
      UNIQUE (org_id, event_key)
    );
    CREATE INDEX award_events_learner ON award_events (learner_user_id, name);

    -- Secrets an organisation's systems sign webhooks with (HMAC-SHA256), sealed by the master key.
    CREATE TABLE webhook_secrets (
      id uuid PRIMARY KEY,
      org_id uuid NOT NULL REFERENCES organizations(id),
      secret_ciphertext bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );

    CREATE TABLE award_approvals (
      achievement_id uuid NOT NULL REFERENCES achievements(id),
      learner_user_id uuid NOT NULL REFERENCES users(id),
      approved_by uuid NOT NULL REFERENCES users(id),
      note text,
      at timestamptz NOT NULL,
      PRIMARY KEY (achievement_id, learner_user_id)
    );

    -- An award: the engine issued this credential to this learner. generation counts renewals from 1; the unique key
    -- is what keeps concurrent evaluations from awarding twice.
    CREATE TABLE awards (
      id uuid PRIMARY KEY,
      org_id uuid NOT NULL REFERENCES organizations(id),
      achievement_id uuid NOT NULL REFERENCES achievements(id),
      learner_user_id uuid NOT NULL REFERENCES users(id),
      generation integer NOT NULL CHECK (generation >= 1),
      credential_id uuid NOT NULL REFERENCES credentials(id),
      -- What satisfied the rule: outcome, credential, event and approval ids.
      basis jsonb NOT NULL,
      awarded_at timestamptz NOT NULL,
      UNIQUE (achievement_id, learner_user_id, generation)
    );
    CREATE INDEX awards_learner ON awards (learner_user_id);

    -- Expiry reminders sent, one per award and lead time.
    CREATE TABLE award_reminders (
      award_id uuid NOT NULL REFERENCES awards(id),
      days_before integer NOT NULL,
      sent_at timestamptz NOT NULL,
      PRIMARY KEY (award_id, days_before)
    );

    -- Credentials a learner holds from other issuers, kept once they verified.
    CREATE TABLE held_credentials (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id),
      issuer_id text NOT NULL,
      achievement_uri text,
      document json,
      jwt text,
      credits double precision,
      valid_from timestamptz,
      valid_until timestamptz,
      verified_at timestamptz NOT NULL,
      verification jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      -- SHA-256 of the credential as received: holding the same credential twice is one row.
      content_hash text NOT NULL,
      UNIQUE (user_id, content_hash)
    );

    -- An organisation endorses another's achievement or organisation (a signed EndorsementCredential).
    CREATE TABLE endorsements (
      id uuid PRIMARY KEY,
      endorser_org_id uuid NOT NULL REFERENCES organizations(id),
      target_type text NOT NULL CHECK (target_type IN ('achievement', 'organization')),
      target_id uuid NOT NULL,
      comment text,
      credential json NOT NULL,
      -- The credential's revocation entry in the endorser's status list: revoking sets its bit.
      revocation_list_id uuid NOT NULL REFERENCES status_lists(id),
      revocation_index integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );
    CREATE INDEX endorsements_target ON endorsements (target_type, target_id) WHERE revoked_at IS NULL;
    -- One standing endorsement per endorser and target.
    CREATE UNIQUE INDEX endorsements_one_active ON endorsements (endorser_org_id, target_type, target_id)
      WHERE revoked_at IS NULL;
    CREATE INDEX endorsements_endorser ON endorsements (endorser_org_id, created_at);

    -- The instance's own did:web key (/.well-known/did.json): it signs what no one organisation issues, such as a
    -- learner's CLR of credentials from many issuers.
    CREATE TABLE instance_keys (
      id uuid PRIMARY KEY,
      fragment text NOT NULL UNIQUE,
      public_key_multibase text NOT NULL,
      secret_ciphertext bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );
    CREATE UNIQUE INDEX instance_keys_one_active ON instance_keys ((true)) WHERE revoked_at IS NULL;
  `,
  );
}
