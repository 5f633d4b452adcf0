import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignPeerReviews, type ReviewPair } from '../src/domains/assessments/project/assignment.js';
import { AppError } from '../src/errors.js';

/** n learners, each with one submission s<i> written by learner l<i>. */
const cohort = (n: number) => ({
  submissions: Array.from({ length: n }, (_, i) => ({ submissionId: `s${i}`, authorId: `l${i}` })),
  reviewers: Array.from({ length: n }, (_, i) => `l${i}`),
});

const loads = (pairs: ReviewPair[], reviewers: string[]) => {
  const load = new Map(reviewers.map((r) => [r, 0]));
  for (const p of pairs) load.set(p.reviewerId, (load.get(p.reviewerId) ?? 0) + 1);
  return [...load.values()];
};

describe('peer review assignment', () => {
  it('every submission gets k distinct reviewers, never its author; every reviewer reviews exactly k (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 40 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n - 1 }))),
        fc.string(),
        ([n, k], seed) => {
          const { submissions, reviewers } = cohort(n);
          const { peer, calibration } = assignPeerReviews({ submissions, reviewers, k, seed });
          expect(calibration).toEqual([]);
          expect(peer).toHaveLength(n * k);
          const authorOf = new Map(submissions.map((s) => [s.submissionId, s.authorId]));
          for (const p of peer) expect(p.reviewerId).not.toBe(authorOf.get(p.submissionId));
          expect(new Set(peer.map((p) => `${p.submissionId}/${p.reviewerId}`)).size).toBe(peer.length);
          for (const s of submissions) expect(peer.filter((p) => p.submissionId === s.submissionId)).toHaveLength(k);
          expect(new Set(loads(peer, reviewers))).toEqual(new Set([k]));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('with fewer submissions than reviewers, or pairs already taken, no review can move to a reviewer with 2+ fewer (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 30 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.integer({ min: 1, max: n }), // submissions
            fc.integer({ min: 1, max: Math.max(1, n - 2) }), // k
            fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n }), // existing (submission, reviewer)
          ),
        ),
        fc.string(),
        ([n, m, k, existingRaw], seed) => {
          const { reviewers } = cohort(n);
          const submissions = cohort(n).submissions.slice(0, m);
          const existing = existingRaw
            .filter(([s, r]) => s < m && s !== r)
            .map(([s, r]) => ({ submissionId: `s${s}`, reviewerId: `l${r}` }));
          let result;
          try {
            result = assignPeerReviews({ submissions, reviewers, k, seed, existing });
          } catch (e) {
            // Only when a submission truly lacks k eligible reviewers.
            expect(e).toBeInstanceOf(AppError);
            expect((e as AppError).code).toBe('ERR_STATE');
            const short = submissions.some(
              (s) =>
                n -
                  1 -
                  new Set(existing.filter((p) => p.submissionId === s.submissionId).map((p) => p.reviewerId)).size <
                k,
            );
            expect(short).toBe(true);
            return;
          }
          const taken = new Set(existing.map((p) => `${p.submissionId}/${p.reviewerId}`));
          for (const p of result.peer) {
            expect(p.reviewerId).not.toBe(p.submissionId.replace('s', 'l'));
            expect(taken.has(`${p.submissionId}/${p.reviewerId}`)).toBe(false);
          }
          expect(new Set(result.peer.map((p) => `${p.submissionId}/${p.reviewerId}`)).size).toBe(m * k);
          const l = loads(result.peer, reviewers);
          // No review could move from a reviewer to one with two or more fewer reviews without breaking a rule.
          const all = new Set([...taken, ...result.peer.map((p) => `${p.submissionId}/${p.reviewerId}`)]);
          reviewers.forEach((hi, i) =>
            reviewers.forEach((lo, j) => {
              if (l[i]! - l[j]! < 2) return;
              for (const p of result.peer.filter((q) => q.reviewerId === hi)) {
                const blocked = p.submissionId.replace('s', 'l') === lo || all.has(`${p.submissionId}/${lo}`);
                expect(blocked, `${p.submissionId} could move from ${hi} to ${lo}`).toBe(true);
              }
            }),
          );
          // Without earlier pairs, nothing stands in the way: counts differ by at most one.
          if (existing.length === 0) expect(Math.max(...l) - Math.min(...l)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('is deterministic for a seed, and another seed gives another assignment', () => {
    const { submissions, reviewers } = cohort(20);
    const a = assignPeerReviews({ submissions, reviewers, k: 3, seed: 'cohort-1' });
    const b = assignPeerReviews({ submissions: [...submissions].reverse(), reviewers, k: 3, seed: 'cohort-1' });
    const c = assignPeerReviews({ submissions, reviewers, k: 3, seed: 'cohort-2' });
    const set = (x: { peer: ReviewPair[] }) => x.peer.map((p) => `${p.submissionId}/${p.reviewerId}`).sort();
    expect(set(b)).toEqual(set(a));
    expect(set(c)).not.toEqual(set(a));
  });

  it('refuses k larger than the other learners (ERR_STATE)', () => {
    const { submissions, reviewers } = cohort(3);
    expect(() => assignPeerReviews({ submissions, reviewers, k: 3, seed: 'x' })).toThrow(
      expect.objectContaining({ code: 'ERR_STATE' }),
    );
  });

  it('gives each reviewer `calibration` distinct references, used evenly, and refuses too few references', () => {
    const { submissions, reviewers } = cohort(12);
    const references = ['r1', 'r2', 'r3'];
    const { calibration } = assignPeerReviews({ submissions, reviewers, k: 3, seed: 's', references, calibration: 2 });
    expect(calibration).toHaveLength(24);
    for (const r of reviewers) {
      const mine = calibration.filter((p) => p.reviewerId === r).map((p) => p.submissionId);
      expect(new Set(mine).size).toBe(2);
    }
    const uses = references.map((ref) => calibration.filter((p) => p.submissionId === ref).length);
    expect(uses).toEqual([8, 8, 8]);
    // Already assigned one reference: gets one more, a different one.
    const again = assignPeerReviews({
      submissions: [],
      reviewers: ['l0'],
      k: 1,
      seed: 's',
      references,
      calibration: 2,
      existing: [{ submissionId: 'r2', reviewerId: 'l0' }],
    });
    expect(again.calibration).toHaveLength(1);
    expect(again.calibration[0]!.submissionId).not.toBe('r2');
    expect(() =>
      assignPeerReviews({ submissions, reviewers, k: 3, seed: 's', references: ['r1'], calibration: 2 }),
    ).toThrow(expect.objectContaining({ code: 'ERR_STATE' }));
  });
});
