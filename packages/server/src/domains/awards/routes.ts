import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { audit } from '../../audit.js';
import { AppError } from '../../errors.js';
import { access } from '../../http/access.js';
import { auditedWrite } from '../../http/audited-write.js';
import type { AppEnv } from '../../http/env.js';
import { decodeCursor, encodeCursor, pageOf, PageQuery } from '../../http/pagination.js';
import { route } from '../../http/route.js';
import { jsonBody, jsonResponse, OrgParams } from '../../http/schemas.js';
import { applyRule, dryRun } from './apply.js';
import {
  approveLearner,
  createWebhookSecret,
  EventInput,
  LearnerRef,
  listWebhookSecrets,
  recordEvent,
  revokeWebhookSecret,
  SIGNATURE_HEADER,
  verifyWebhookSignature,
  WEBHOOK_TOLERANCE_SECONDS,
} from './events.js';
import { learnerProgress, learnerProgressFor } from './progress.js';
import { deleteAwardRule, findEffectiveRule, getOrgAchievement, putAwardRule } from './rules.js';
import { listAwards } from './awards.js';
import {
  AchievementProgressJson,
  ApprovalJson,
  AwardJson,
  AwardResultJson,
  AwardRuleBody,
  AwardRuleJson,
  awardEventJson,
  awardResultJson,
  awardRuleJson,
  DryRunBody,
  DryRunJson,
  EventResponse,
  progressJson,
  WebhookSecretJson,
  webhookSecretJson,
} from './schemas.js';

const TAGS = ['Awards'];
const RULE_PATH = '/api/v1/orgs/{orgId}/achievements/{achievementId}/award-rule';
const READ = access.org('viewer', 'awards:read');
const WRITE = access.org('issuer', 'awards:write');
const LEARNER = access.signedIn({ scope: 'assessments:take' });

const AchievementParams = OrgParams.extend({ achievementId: z.uuid() });
const RuleResponse = z.object({ awardRule: AwardRuleJson });

const putRuleRoute = route({
  method: 'put',
  path: RULE_PATH,
  access: WRITE,
  summary: "Set an achievement's award rule",
  description:
    'Declarative criteria (see the `AwardRule` schema): all-of / any-of / n-of, assessments passed (with a minimum ' +
    'percent), other achievements (a pathway: required = allOf, electives = nOf, nested), credits, time windows, ' +
    'external events and manual approval. Every assessment and achievement named must be this organisation’s; a ' +
    'pathway may not contain itself (the cycle is reported). Setting a rule does not award anyone: see `apply`.',
  tags: TAGS,
  request: { params: AchievementParams, body: jsonBody(AwardRuleBody) },
  responses: { 200: jsonResponse('The rule', RuleResponse) },
});

const getRuleRoute = route({
  method: 'get',
  path: RULE_PATH,
  access: READ,
  summary: "Get an achievement's award rule",
  description:
    'Its own rule, or (`source: default`) the rule it has without one: pass every attached, published assessment.',
  tags: TAGS,
  request: { params: AchievementParams },
  responses: { 200: jsonResponse('The rule', RuleResponse) },
});

const deleteRuleRoute = route({
  method: 'delete',
  path: RULE_PATH,
  access: WRITE,
  summary: "Remove an achievement's award rule",
  description: 'Credentials already awarded stay. The achievement falls back to its default rule, if it has one.',
  tags: TAGS,
  request: { params: AchievementParams },
  responses: { 204: { description: 'Removed (or there was none).' } },
});

const dryRunRoute = route({
  method: 'post',
  path: `${RULE_PATH}/dry-run`,
  access: access.org('issuer', 'awards:read'),
  summary: 'Who would receive the achievement under a rule',
  description:
    'Evaluates the rule sent (or the current one) for every learner with a fact it could count, as the engine would ' +
    'now, and writes nothing: who would receive it, who would renew it, and who already holds it.',
  tags: TAGS,
  request: { params: AchievementParams, body: jsonBody(DryRunBody) },
  responses: { 200: jsonResponse('The outcome', z.object({ dryRun: DryRunJson })) },
});

const applyRoute = route({
  method: 'post',
  path: `${RULE_PATH}/apply`,
  access: WRITE,
  summary: 'Award the achievement to everyone who qualifies now',
  description: 'Issues the credentials (and those of pathways they complete) in one transaction.',
  tags: TAGS,
  request: { params: AchievementParams },
  responses: {
    200: jsonResponse('What was awarded', z.object({ evaluated: z.number().int(), awards: z.array(AwardResultJson) })),
  },
});

const eventRoute = route({
  method: 'post',
  path: '/api/v1/orgs/{orgId}/events',
  access: WRITE,
  summary: 'Record an external event about a learner',
  description:
    'Runs the award rules that name the event. With an `eventKey` the request is idempotent: a replay answers 200 ' +
    'with the first event and awards nothing again.',
  tags: TAGS,
  request: { params: OrgParams, body: jsonBody(EventInput) },
  responses: { 201: jsonResponse('Recorded', EventResponse), 200: jsonResponse('A replay', EventResponse) },
});

const webhookRoute = route({
  method: 'post',
  path: '/api/v1/webhooks/orgs/{orgId}/events',
  access: access.public('reads'),
  summary: 'Record an external event (signed webhook)',
  description:
    'The body is an `AwardEventInput`, as for `POST /api/v1/orgs/{orgId}/events`, signed with one of the ' +
    `organisation's webhook secrets: \`${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + ` +
    `raw body)>\`, t within ${WEBHOOK_TOLERANCE_SECONDS / 60} minutes of the server's clock. A replay is idempotent: ` +
    'by `eventKey` when given, otherwise by the signature. Any signature problem is 401 `ERR_WEBHOOK_SIGNATURE`.',
  tags: TAGS,
  request: { params: z.object({ orgId: z.string() }) },
  responses: { 201: jsonResponse('Recorded', EventResponse), 200: jsonResponse('A replay', EventResponse) },
});

const SecretParams = OrgParams.extend({ secretId: z.uuid() });

const createSecretRoute = route({
  method: 'post',
  path: '/api/v1/orgs/{orgId}/webhook-secrets',
  access: access.org('admin', 'awards:write'),
  summary: 'Create a webhook secret',
  description: 'The secret is in this answer only; the server keeps it sealed under its master key.',
  tags: TAGS,
  request: { params: OrgParams },
  responses: {
    201: jsonResponse('Created', z.object({ webhookSecret: WebhookSecretJson, secret: z.string() })),
  },
});

const listSecretsRoute = route({
  method: 'get',
  path: '/api/v1/orgs/{orgId}/webhook-secrets',
  access: access.org('admin', 'awards:read'),
  summary: "List an organisation's webhook secrets",
  description: 'Ids and dates only, newest first.',
  tags: TAGS,
  request: { params: OrgParams },
  responses: { 200: jsonResponse('The secrets', z.object({ webhookSecrets: z.array(WebhookSecretJson) })) },
});

const revokeSecretRoute = route({
  method: 'delete',
  path: '/api/v1/orgs/{orgId}/webhook-secrets/{secretId}',
  access: access.org('admin', 'awards:write'),
  summary: 'Revoke a webhook secret',
  description: 'Signatures made with it are refused from now on. Idempotent.',
  tags: TAGS,
  request: { params: SecretParams },
  responses: { 200: jsonResponse('Revoked', z.object({ webhookSecret: WebhookSecretJson })) },
});

const approvalRoute = route({
  method: 'post',
  path: '/api/v1/orgs/{orgId}/achievements/{achievementId}/approvals',
  access: WRITE,
  summary: 'Approve a learner for an achievement',
  description:
    'Satisfies the rule’s `approval` condition for the learner and runs the rule. Approving again updates it.',
  tags: TAGS,
  request: {
    params: AchievementParams,
    body: jsonBody(z.object({ learner: LearnerRef, note: z.string().trim().min(1).max(2000).optional() }).strict()),
  },
  responses: {
    201: jsonResponse('Approved', z.object({ approval: ApprovalJson, awards: z.array(AwardResultJson) })),
  },
});

const listAwardsRoute = route({
  method: 'get',
  path: '/api/v1/orgs/{orgId}/awards',
  access: READ,
  summary: "List the organisation's awards",
  description: 'Credentials the award engine issued, newest first, a page at a time.',
  tags: TAGS,
  request: {
    params: OrgParams,
    query: z.object({ achievementId: z.uuid().optional(), learnerUserId: z.uuid().optional(), ...PageQuery.shape }),
  },
  responses: {
    200: jsonResponse('A page', z.object({ awards: z.array(AwardJson), nextCursor: z.string().nullable() })),
  },
});

const myProgressRoute = route({
  method: 'get',
  path: '/api/v1/me/progress',
  access: LEARNER,
  summary: 'Your progress toward achievements',
  description:
    'Every achievement one of your results, credentials, events or approvals counts toward (and those you were ' +
    'awarded), each with its rule as a tree: what is satisfied, what is done and what is still needed.',
  tags: TAGS,
  responses: { 200: jsonResponse('Your progress', z.object({ progress: z.array(AchievementProgressJson) })) },
});

const myProgressOneRoute = route({
  method: 'get',
  path: '/api/v1/me/progress/{achievementId}',
  access: LEARNER,
  summary: 'Your progress toward one achievement',
  description: 'Any achievement earned by a rule (a pathway, an assessed achievement).',
  tags: TAGS,
  request: { params: z.object({ achievementId: z.uuid() }) },
  responses: { 200: jsonResponse('Your progress', z.object({ progress: AchievementProgressJson })) },
});

/** The award engine's API: award rules, dry runs, events and webhooks, approvals, awards, learners' progress. */
export function registerAwardRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(putRuleRoute, async (c) => {
    const { achievementId } = c.req.valid('param');
    const input = c.req.valid('json');
    const rule = await auditedWrite(c, async ({ tx, orgId, now, principal }) => {
      const saved = await putAwardRule(tx, orgId, achievementId, input, now, principal.userId);
      return {
        result: saved,
        audit: {
          action: 'award_rule.update',
          targetType: 'achievement',
          targetId: achievementId,
          data: { rule: input.rule, trustedIssuers: saved.trustedIssuers, enabled: saved.enabled },
        },
      };
    });
    return c.json({ awardRule: awardRuleJson(rule) }, 200);
  });

  app.openapi(getRuleRoute, async (c) => {
    const { db } = c.get('deps');
    const { achievementId } = c.req.valid('param');
    await getOrgAchievement(db, c.get('org')!.id, achievementId);
    const rule = await findEffectiveRule(db, achievementId);
    if (!rule) {
      throw new AppError('ERR_NOT_FOUND', 'This achievement has no award rule and no attached published assessment.');
    }
    return c.json({ awardRule: awardRuleJson(rule) }, 200);
  });

  app.openapi(deleteRuleRoute, async (c) => {
    const { achievementId } = c.req.valid('param');
    await auditedWrite(c, async ({ tx, orgId }) => {
      const deleted = await deleteAwardRule(tx, orgId, achievementId);
      return {
        result: deleted,
        audit: deleted ? { action: 'award_rule.delete', targetType: 'achievement', targetId: achievementId } : null,
      };
    });
    return c.body(null, 204);
  });

  app.openapi(dryRunRoute, async (c) => {
    const deps = c.get('deps');
    const { achievementId } = c.req.valid('param');
    const result = await dryRun(deps.db, deps, c.get('org')!.id, achievementId, c.req.valid('json'));
    return c.json({ dryRun: result }, 200);
  });

  app.openapi(applyRoute, async (c) => {
    const { achievementId } = c.req.valid('param');
    const result = await auditedWrite(c, async ({ tx, orgId, principal, deps }) => {
      const applied = await applyRule(tx, deps, orgId, achievementId, principal);
      return {
        result: applied,
        audit: {
          action: 'award_rule.apply',
          targetType: 'achievement',
          targetId: achievementId,
          data: { evaluated: applied.evaluated, awarded: applied.awards.length },
        },
      };
    });
    return c.json({ evaluated: result.evaluated, awards: result.awards.map(awardResultJson) }, 200);
  });

  app.openapi(eventRoute, async (c) => {
    const input = c.req.valid('json');
    const result = await auditedWrite(c, async ({ tx, orgId, deps }) => {
      const recorded = await recordEvent(tx, deps, orgId, input, 'api');
      return {
        result: recorded,
        audit: recorded.replayed
          ? null
          : {
              action: 'award_event.create',
              targetType: 'award_event',
              targetId: recorded.event.id,
              data: { name: input.name, source: 'api', awarded: recorded.awards.length },
            },
      };
    });
    const body = {
      event: awardEventJson(result.event),
      replayed: result.replayed,
      awards: result.awards.map(awardResultJson),
    };
    return result.replayed ? c.json(body, 200) : c.json(body, 201);
  });

  app.openapi(webhookRoute, async (c) => {
    const deps = c.get('deps');
    const orgId = c.req.param('orgId');
    const raw = await c.req.text();
    const signature = await verifyWebhookSignature(deps.db, deps, orgId, c.req.header(SIGNATURE_HEADER), raw);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new AppError('ERR_VALIDATION', 'The body is not JSON.');
    }
    const parsed = EventInput.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new AppError('ERR_VALIDATION', `${issues[0]!.path || 'body'}: ${issues[0]!.message}`, { issues });
    }
    // Without an eventKey, the signature is the key: replaying the same signed request records nothing new.
    const input = { ...parsed.data, eventKey: parsed.data.eventKey ?? `webhook-signature:${signature}` };
    const result = await deps.db.transaction().execute(async (tx) => {
      const recorded = await recordEvent(tx, deps, orgId, input, 'webhook');
      if (!recorded.replayed) {
        await audit(tx, null, deps.clock(), {
          orgId,
          action: 'award_event.create',
          targetType: 'award_event',
          targetId: recorded.event.id,
          data: { name: input.name, source: 'webhook', awarded: recorded.awards.length },
        });
      }
      return recorded;
    });
    const body = {
      event: awardEventJson(result.event),
      replayed: result.replayed,
      awards: result.awards.map(awardResultJson),
    };
    return result.replayed ? c.json(body, 200) : c.json(body, 201);
  });

  app.openapi(createSecretRoute, async (c) => {
    const created = await auditedWrite(c, async ({ tx, orgId, now, deps }) => {
      const secret = await createWebhookSecret(tx, deps, orgId, now);
      return {
        result: secret,
        audit: { action: 'webhook_secret.create', targetType: 'webhook_secret', targetId: secret.id },
      };
    });
    return c.json({ webhookSecret: webhookSecretJson({ ...created, revokedAt: null }), secret: created.secret }, 201);
  });

  app.openapi(listSecretsRoute, async (c) => {
    const secrets = await listWebhookSecrets(c.get('deps').db, c.get('org')!.id);
    return c.json({ webhookSecrets: secrets.map(webhookSecretJson) }, 200);
  });

  app.openapi(revokeSecretRoute, async (c) => {
    const { secretId } = c.req.valid('param');
    const secret = await auditedWrite(c, async ({ tx, orgId, now }) => {
      const revoked = await revokeWebhookSecret(tx, orgId, secretId, now);
      return {
        result: revoked.secret,
        audit: revoked.changed
          ? { action: 'webhook_secret.revoke', targetType: 'webhook_secret', targetId: secretId }
          : null,
      };
    });
    return c.json({ webhookSecret: webhookSecretJson(secret) }, 200);
  });

  app.openapi(approvalRoute, async (c) => {
    const { achievementId } = c.req.valid('param');
    const { learner, note } = c.req.valid('json');
    const result = await auditedWrite(c, async ({ tx, orgId, principal, deps }) => {
      const approved = await approveLearner(tx, deps, { orgId, achievementId, learner, note, actor: principal });
      return {
        result: approved,
        audit: {
          action: 'award_approval.create',
          targetType: 'achievement',
          targetId: achievementId,
          data: { learnerUserId: approved.approval.learnerUserId, awarded: approved.awards.length },
        },
      };
    });
    const { approval } = result;
    return c.json(
      {
        approval: {
          achievementId: approval.achievementId,
          learnerUserId: approval.learnerUserId,
          approvedBy: approval.approvedBy,
          note: approval.note,
          at: approval.at.toISOString(),
        },
        awards: result.awards.map(awardResultJson),
      },
      201,
    );
  });

  app.openapi(listAwardsRoute, async (c) => {
    const { db } = c.get('deps');
    const { achievementId, learnerUserId, limit, cursor } = c.req.valid('query');
    const rows = await listAwards(db, c.get('org')!.id, {
      achievementId,
      learnerUserId,
      limit: limit + 1,
      ...(cursor !== undefined && { after: decodeCursor(cursor) }),
    });
    const { rows: shown, next } = pageOf(rows, limit, (last) => encodeCursor(last.awardedAt, last.id));
    return c.json(
      {
        awards: shown.map((a) => ({ ...a, awardedAt: a.awardedAt.toISOString() })),
        nextCursor: next,
      },
      200,
    );
  });

  app.openapi(myProgressRoute, async (c) => {
    const deps = c.get('deps');
    const progress = await learnerProgress(deps.db, deps, c.get('principal')!.userId);
    return c.json({ progress: progress.map(progressJson) }, 200);
  });

  app.openapi(myProgressOneRoute, async (c) => {
    const deps = c.get('deps');
    const { achievementId } = c.req.valid('param');
    const progress = await learnerProgressFor(deps.db, deps, c.get('principal')!.userId, achievementId);
    return c.json({ progress: progressJson(progress) }, 200);
  });
}
