import { AppError } from '../../../errors.js';
import { seededRandom, shuffled } from './random.js';

/** A submission to be reviewed, and who wrote it. */
export interface SubmissionToAssign {
  submissionId: string;
  authorId: string;
}

/** One review to do: `reviewerId` reviews `submissionId`. */
export interface ReviewPair {
  submissionId: string;
  reviewerId: string;
}

export interface AssignmentInput {
  submissions: readonly SubmissionToAssign[];
  /** Who may review: the learners who submitted. */
  reviewers: readonly string[];
  /** Reviews per submission. */
  k: number;
  seed: string;
  /** Pairs already assigned (earlier calls): never repeated. */
  existing?: readonly ReviewPair[];
  /** Reference submissions for calibration, and how many each reviewer must review (in all, counting `existing`). */
  references?: readonly string[];
  calibration?: number;
}

export interface Assignment {
  peer: ReviewPair[];
  calibration: ReviewPair[];
}

/**
 * Assigns each submission to `k` reviewers among `reviewers`: never its author, never a pair already assigned, and
 * with balanced load: when every reviewer submitted exactly one of the submissions, each reviews exactly `k`; otherwise
 * no review can move from a reviewer to one with two or more fewer reviews (counts differ by at most one unless the
 * rules forbid it, e.g. a reviewer who may review nothing). Deterministic for a seed.
 *
 * How: reviewers and submissions are shuffled by the seed; each submission takes the `k` least-loaded eligible
 * reviewers (ties in shuffled order, which makes the common case a round robin); then, while some reviewer has two or
 * more reviews above another and one of them may move to the other under the rules, it moves (each move lowers the
 * sum of squared loads, so this ends). Calibration: each reviewer gets reference submissions, rotating through the
 * shuffled references so that they are used evenly, until they have `calibration` of them.
 *
 * Throws `ERR_STATE` when a submission has fewer than `k` eligible reviewers or there are fewer references than
 * `calibration`.
 *
 * @example
 * ```ts
 * assignPeerReviews({ submissions: [{ submissionId: 's1', authorId: 'a' }, …], reviewers: ['a', 'b', 'c'], k: 2, seed: 'x' });
 * ```
 */
export function assignPeerReviews(input: AssignmentInput): Assignment {
  const { submissions, k, seed } = input;
  const random = seededRandom(seed);
  const reviewers = shuffled([...new Set(input.reviewers)].sort(), random);
  const rank = new Map(reviewers.map((r, i) => [r, i]));
  const taken = new Set((input.existing ?? []).map(pairKey));
  const load = new Map(reviewers.map((r) => [r, 0]));
  const assigned = new Map(reviewers.map((r) => [r, [] as SubmissionToAssign[]]));
  const peer: ReviewPair[] = [];
  const bySubmission = new Map<string, Set<string>>();

  const ordered = shuffled(
    [...submissions].sort((a, b) => (a.submissionId < b.submissionId ? -1 : a.submissionId > b.submissionId ? 1 : 0)),
    random,
  );
  for (const s of ordered) {
    const eligible = reviewers.filter((r) => r !== s.authorId && !taken.has(pairKey({ ...s, reviewerId: r })));
    if (eligible.length < k) {
      throw new AppError(
        'ERR_STATE',
        `A submission has only ${eligible.length} possible reviewers (not its author, not already reviewing it) ` +
          `and needs ${k}: wait for more submissions, or lower reviewsPerSubmission.`,
        { reviewers: eligible.length, reviewsPerSubmission: k },
      );
    }
    eligible.sort((a, b) => load.get(a)! - load.get(b)! || rank.get(a)! - rank.get(b)!);
    const chosen = new Set(eligible.slice(0, k));
    bySubmission.set(s.submissionId, chosen);
    for (const r of chosen) {
      load.set(r, load.get(r)! + 1);
      assigned.get(r)!.push(s);
    }
  }

  rebalance(reviewers, load, assigned, bySubmission, taken);

  for (const s of ordered) {
    for (const r of reviewers) {
      if (bySubmission.get(s.submissionId)!.has(r)) peer.push({ submissionId: s.submissionId, reviewerId: r });
    }
  }
  return { peer, calibration: assignCalibration(input, reviewers, random) };
}

function rebalance(
  reviewers: string[],
  load: Map<string, number>,
  assigned: Map<string, SubmissionToAssign[]>,
  bySubmission: Map<string, Set<string>>,
  taken: Set<string>,
): void {
  const movable = (s: SubmissionToAssign, to: string) =>
    s.authorId !== to &&
    !bySubmission.get(s.submissionId)!.has(to) &&
    !taken.has(pairKey({ submissionId: s.submissionId, reviewerId: to }));
  for (;;) {
    const byLoad = [...reviewers].sort((a, b) => load.get(b)! - load.get(a)!);
    let moved = false;
    search: for (const hi of byLoad) {
      for (const lo of [...byLoad].reverse()) {
        if (load.get(hi)! - load.get(lo)! < 2) break;
        const list = assigned.get(hi)!;
        const index = list.findIndex((s) => movable(s, lo));
        if (index < 0) continue;
        const [s] = list.splice(index, 1);
        assigned.get(lo)!.push(s!);
        const set = bySubmission.get(s!.submissionId)!;
        set.delete(hi);
        set.add(lo);
        load.set(hi, load.get(hi)! - 1);
        load.set(lo, load.get(lo)! + 1);
        moved = true;
        break search;
      }
    }
    if (!moved) return;
  }
}

function assignCalibration(input: AssignmentInput, reviewers: string[], random: () => number): ReviewPair[] {
  const wanted = input.calibration ?? 0;
  if (wanted === 0) return [];
  const references = shuffled([...(input.references ?? [])].sort(), random);
  if (references.length < wanted) {
    throw new AppError(
      'ERR_STATE',
      `Each reviewer first reviews ${wanted} reference submissions, and there are ${references.length}: add ` +
        'reference submissions (POST …/reference-submissions) or lower calibration.',
      { references: references.length, calibration: wanted },
    );
  }
  const existing = input.existing ?? [];
  const out: ReviewPair[] = [];
  reviewers.forEach((reviewerId, i) => {
    const has = new Set(existing.filter((p) => p.reviewerId === reviewerId).map((p) => p.submissionId));
    let count = references.filter((r) => has.has(r)).length;
    for (let j = 0; j < references.length && count < wanted; j++) {
      const ref = references[(i + j) % references.length]!;
      if (has.has(ref)) continue;
      out.push({ submissionId: ref, reviewerId });
      count++;
    }
  });
  return out;
}

const pairKey = (p: ReviewPair): string => `${p.submissionId}\u0000${p.reviewerId}`;
