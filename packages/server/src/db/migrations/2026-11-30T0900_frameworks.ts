import type { Kysely } from 'kysely';
import { executeStatements } from '../execute-statements.js';

/**
 * Competency frameworks (CASE 1.1 documents, items and associations; ESCO; O*NET), occupations and their weighted skill
 * requirements, proficiency scales, employer job profiles, and the framework items achievements align to.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeStatements(
    db,
    `
    CREATE TABLE frameworks (
      id uuid PRIMARY KEY,
      -- Null: a global framework (the shipped ESCO and O*NET catalogues), visible to everyone.
      org_id uuid REFERENCES organizations(id),
      source text NOT NULL CHECK (source IN ('esco', 'onet', 'case', 'custom')),
      -- The CASE CFDocument identifier (for ESCO and O*NET a UUIDv5 of uri and version, so re-imports find the row).
      identifier uuid NOT NULL,
      uri text NOT NULL,
      version text,
      title text NOT NULL,
      creator text NOT NULL,
      publisher text,
      description text,
      language text,
      license_uri text,
      -- The line shown wherever the framework's content is shown (ESCO and O*NET require attribution).
      attribution text,
      adoption_status text,
      -- An organisation's framework is private to its members until published; global ones are always public.
      public boolean NOT NULL DEFAULT false,
      -- Other CFDocument fields (subject, notes, officialSourceURL, frameworkType, …), kept for export.
      extra jsonb NOT NULL DEFAULT '{}',
      -- SHA-256 over the imported sources: an identical re-import stops here and changes nothing.
      content_hash text,
      last_change_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE NULLS NOT DISTINCT (org_id, identifier)
    );

    CREATE TABLE framework_items (
      id uuid PRIMARY KEY,
      framework_id uuid NOT NULL REFERENCES frameworks(id) ON DELETE CASCADE,
      -- The source's own identifier: an ESCO concept URI, an O*NET element id, a CASE CFItem identifier.
      identifier text NOT NULL,
      -- The CFItem identifier served through the CASE API (the source's, or a UUIDv5 of its identifier).
      case_identifier uuid NOT NULL,
      -- The item's own URI when it has one; otherwise its CASE URL on this server stands for it.
      uri text,
      -- CFItemType: skill, knowledge, competence, skill-group, technology, technology-category, …
      type text NOT NULL,
      code text,
      statement text NOT NULL,
      abbreviated_statement text,
      alt_labels jsonb NOT NULL DEFAULT '[]',
      description text,
      language text,
      list_enumeration text,
      extra jsonb NOT NULL DEFAULT '{}',
      last_change_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (framework_id, identifier),
      UNIQUE (framework_id, case_identifier)
    );
    CREATE INDEX framework_items_case ON framework_items (case_identifier);

    CREATE TABLE framework_associations (
      id uuid PRIMARY KEY,
      framework_id uuid NOT NULL REFERENCES frameworks(id) ON DELETE CASCADE,
      -- The source's identifier (CASE), or one derived from type, origin and destination (ESCO, O*NET).
      identifier text NOT NULL,
      case_identifier uuid NOT NULL,
      type text NOT NULL CHECK (
        type IN ('isChildOf', 'isPeerOf', 'isPartOf', 'exactMatchOf', 'precedes', 'isRelatedTo', 'replacedBy',
                 'exemplar', 'hasSkillLevel', 'isTranslationOf')
        OR type ~ '^ext:[A-Za-z0-9._-]+$'
      ),
      -- Each end is an item of this framework (item_id set), the framework's document, or a node elsewhere (uri).
      origin_item_id uuid REFERENCES framework_items(id) ON DELETE CASCADE,
      origin_identifier text NOT NULL,
      origin_uri text,
      origin_title text,
      destination_item_id uuid REFERENCES framework_items(id) ON DELETE CASCADE,
      destination_identifier text NOT NULL,
      destination_uri text,
      destination_title text,
      sequence_number integer,
      extra jsonb NOT NULL DEFAULT '{}',
      last_change_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (framework_id, identifier),
      UNIQUE (framework_id, case_identifier)
    );
    CREATE INDEX framework_associations_origin ON framework_associations (origin_item_id, type);
    CREATE INDEX framework_associations_destination ON framework_associations (destination_item_id, type);
    CREATE INDEX framework_associations_case ON framework_associations (case_identifier);

    CREATE TABLE occupations (
      id uuid PRIMARY KEY,
      framework_id uuid NOT NULL REFERENCES frameworks(id) ON DELETE CASCADE,
      -- An ESCO occupation or ISCO group URI, an O*NET-SOC code.
      identifier text NOT NULL,
      -- 'group': a level of a classification (ISCO-08 groups), not an occupation one is hired into.
      kind text NOT NULL CHECK (kind IN ('occupation', 'group')),
      code text,
      title text NOT NULL,
      alt_labels jsonb NOT NULL DEFAULT '[]',
      description text,
      uri text,
      -- O*NET job zone, 1 (little preparation) to 5 (extensive).
      job_zone smallint CHECK (job_zone BETWEEN 1 AND 5),
      extra jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (framework_id, identifier)
    );

    CREATE TABLE occupation_relations (
      occupation_id uuid NOT NULL REFERENCES occupations(id) ON DELETE CASCADE,
      type text NOT NULL CHECK (type IN ('broader', 'related')),
      related_occupation_id uuid NOT NULL REFERENCES occupations(id) ON DELETE CASCADE,
      -- O*NET related occupations: their order and tier (Primary-Short, …).
      rank integer,
      tier text,
      PRIMARY KEY (occupation_id, type, related_occupation_id)
    );
    CREATE INDEX occupation_relations_related ON occupation_relations (related_occupation_id);

    CREATE TABLE occupation_skills (
      occupation_id uuid NOT NULL REFERENCES occupations(id) ON DELETE CASCADE,
      item_id uuid NOT NULL REFERENCES framework_items(id) ON DELETE CASCADE,
      -- ESCO: essential or optional.
      relation text CHECK (relation IN ('essential', 'optional')),
      -- O*NET: importance (IM, 1–5) and level (LV, 0–7).
      importance real,
      level real,
      -- 0–1: how much the skill counts for the occupation, comparable across sources.
      weight real NOT NULL CHECK (weight >= 0 AND weight <= 1),
      extra jsonb NOT NULL DEFAULT '{}',
      PRIMARY KEY (occupation_id, item_id)
    );
    CREATE INDEX occupation_skills_item ON occupation_skills (item_id);

    CREATE TABLE proficiency_scales (
      id uuid PRIMARY KEY,
      -- Null: a global scale (EQF, O*NET level and importance).
      org_id uuid REFERENCES organizations(id),
      key text NOT NULL CHECK (key ~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'),
      title text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('eqf', 'onet-level', 'onet-importance', 'rubric')),
      description text,
      -- [{ code, name, description?, value }], lowest first; value orders levels across scales of the same kind.
      levels jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE NULLS NOT DISTINCT (org_id, key)
    );

    -- The global scales. Their ids are fixed so that code and data can name them.
    INSERT INTO proficiency_scales (id, org_id, key, title, kind, description, levels) VALUES
      ('00000000-0000-5000-8000-00000000e0f1', NULL, 'eqf', 'European Qualifications Framework', 'eqf',
       'The eight EQF levels, each described by knowledge, skills, and responsibility and autonomy (Council Recommendation of 22 May 2017).',
       '[{"code":"1","name":"EQF level 1","description":"Basic general knowledge; basic skills to carry out simple tasks; work under direct supervision in a structured context","value":1},{"code":"2","name":"EQF level 2","description":"Basic factual knowledge of a field of work or study; basic cognitive and practical skills; work under supervision with some autonomy","value":2},{"code":"3","name":"EQF level 3","description":"Knowledge of facts, principles, processes and general concepts in a field; a range of skills to accomplish tasks and solve problems; take responsibility for completing tasks","value":3},{"code":"4","name":"EQF level 4","description":"Factual and theoretical knowledge in broad contexts within a field; skills to generate solutions to specific problems; self-management within predictable contexts","value":4},{"code":"5","name":"EQF level 5","description":"Comprehensive, specialised, factual and theoretical knowledge; skills to develop creative solutions to abstract problems; manage and supervise where change is unpredictable","value":5},{"code":"6","name":"EQF level 6","description":"Advanced knowledge involving a critical understanding of theories and principles; advanced skills showing mastery and innovation; manage complex technical or professional activities","value":6},{"code":"7","name":"EQF level 7","description":"Highly specialised knowledge at the forefront of a field, basis for original thinking; specialised problem-solving skills for research and innovation; manage complex, unpredictable contexts","value":7},{"code":"8","name":"EQF level 8","description":"Knowledge at the most advanced frontier of a field; the most advanced and specialised skills, including synthesis and evaluation; substantial authority, innovation and autonomy","value":8}]'),
      ('00000000-0000-5000-8000-00000000e0f2', NULL, 'onet-level', 'O*NET level', 'onet-level',
       'The O*NET level scale (LV) from 0 to 7; what each level means is anchored per descriptor.',
       '[{"code":"0","name":"Level 0","value":0},{"code":"1","name":"Level 1","value":1},{"code":"2","name":"Level 2","value":2},{"code":"3","name":"Level 3","value":3},{"code":"4","name":"Level 4","value":4},{"code":"5","name":"Level 5","value":5},{"code":"6","name":"Level 6","value":6},{"code":"7","name":"Level 7","value":7}]'),
      ('00000000-0000-5000-8000-00000000e0f3', NULL, 'onet-importance', 'O*NET importance', 'onet-importance',
       'The O*NET importance scale (IM) from 1 (not important) to 5 (extremely important).',
       '[{"code":"1","name":"Not important","value":1},{"code":"2","name":"Somewhat important","value":2},{"code":"3","name":"Important","value":3},{"code":"4","name":"Very important","value":4},{"code":"5","name":"Extremely important","value":5}]');

    CREATE TABLE job_profiles (
      id uuid PRIMARY KEY,
      org_id uuid NOT NULL REFERENCES organizations(id),
      title text NOT NULL,
      description text,
      -- The occupation the profile was started from, if any.
      occupation_id uuid REFERENCES occupations(id) ON DELETE SET NULL,
      created_by uuid REFERENCES users(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      archived_at timestamptz
    );
    CREATE INDEX job_profiles_org ON job_profiles (org_id);

    -- No cascade from framework items: a re-import that would drop an item a profile or achievement uses fails instead.
    CREATE TABLE job_profile_skills (
      job_profile_id uuid NOT NULL REFERENCES job_profiles(id) ON DELETE CASCADE,
      item_id uuid NOT NULL REFERENCES framework_items(id),
      weight real NOT NULL DEFAULT 1 CHECK (weight > 0 AND weight <= 1),
      scale_id uuid REFERENCES proficiency_scales(id),
      required_level text,
      CHECK ((scale_id IS NULL) = (required_level IS NULL)),
      PRIMARY KEY (job_profile_id, item_id)
    );
    CREATE INDEX job_profile_skills_item ON job_profile_skills (item_id);

    -- The framework items the current version of each achievement certifies (its definition keeps a snapshot).
    CREATE TABLE achievement_skills (
      achievement_id uuid NOT NULL REFERENCES achievements(id),
      item_id uuid NOT NULL REFERENCES framework_items(id),
      scale_id uuid REFERENCES proficiency_scales(id),
      required_level text,
      CHECK ((scale_id IS NULL) = (required_level IS NULL)),
      PRIMARY KEY (achievement_id, item_id)
    );
    CREATE INDEX achievement_skills_item ON achievement_skills (item_id);
  `,
  );
}
