/**
 * `npm run bench`: Skillproof's Data Integrity and JWT paths against the Ed25519 floor and the reference library
 * (@digitalbazaar/vc, eddsa-rdfc-2022), on the same credentials, in one run; then 100,000 credentials signed end to end
 * in a child process. Fails (exit 1) when any Skillproof proofValue differs from the reference's for the same document,
 * key and `created`, or when anything that must verify does not. See README.md next to this file.
 *
 *   npm run bench -- [--quick] [--json FILE] [--bulk N] [--no-bulk]
 */
import { fork } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { exportEd25519Multikey, signCredential, signCredentialJwt, verifyCredential } from '../src/index.js';
import type { JsonObject } from '../src/index.js';
import { platform, sodiumEd25519 } from '../src/lib/platform-node.js';
import { referenceSign, referenceVerify } from '../test/interop/reference.js';
import { findBatchCommands, jsonLines } from './batch.js';
import type { BulkResult } from './bulk.js';
import { BENCH_SEED, benchCredentials, benchKey, CREATED, NOW, proofValueOf } from './credentials.js';
import type { BenchCredential, CredentialName } from './credentials.js';
import { measure } from './measure.js';
import { measureCanonicalizeScaling } from './scaling.js';
import type { Budget, Measurement } from './measure.js';

const TARGETS = {
  di_issue_speedup: 50,
  di_verify_speedup: 30,
  bulk_100k_seconds: 20,
  bulk_100k_peak_rss_mb: 512,
  canonicalize_4x_quads_ratio: 9,
} as const;

/** Distinct variants per credential, cycled through by every measurement (and all proofValues compared). */
const VARIANTS = 64;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    bulk: { type: 'string' },
    'no-bulk': { type: 'boolean', default: false },
  },
  strict: true,
});

const quick = args.quick ?? false;
const bulkN = args.bulk !== undefined ? Number(args.bulk) : quick ? 5_000 : 100_000;
if (!Number.isInteger(bulkN) || bulkN <= 0) throw new Error(`--bulk takes a positive integer, not ${args.bulk}`);
const budget: Budget = quick
  ? { warmupMs: 400, measureMs: 1_500, minOps: 20, maxOps: 200_000 }
  : { warmupMs: 1_000, measureMs: 4_000, minOps: 50, maxOps: 500_000 };

/** Everything that went wrong with correctness (not speed): any entry makes the run fail. */
const failures: string[] = [];
function fail(message: string): void {
  if (failures.length < 20) failures.push(message);
  else if (failures.length === 20) failures.push('… (more failures omitted)');
}
let proofValuesCompared = 0;
let proofValueMismatches = 0;

const results = new Map<string, Measurement>();
function record(m: Measurement): Measurement {
  results.set(m.name, m);
  process.stderr.write(`  ${m.name.padEnd(24)} ${fmt(m.opsPerSecond, 0).padStart(9)} ops/s\n`);
  return m;
}

function fmt(x: number, digits: number): string {
  return Number.isFinite(x)
    ? x.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';
}

interface Floor {
  sign: Measurement;
  verify: Measurement;
}

// --- the floor: node:crypto Ed25519 over the 64 bytes that eddsa-rdfc-2022 signs (proof config hash ‖ document hash);
// and, when Skillproof signs with libsodium, libsodium's floor too (the least Skillproof's own path can cost).
async function measureFloor(): Promise<{ node: Floor; backend: Floor | undefined }> {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), BENCH_SEED]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const message = Buffer.concat([
    createHash('sha256').update('proof configuration').digest(),
    createHash('sha256').update('document').digest(),
  ]);
  const signature = sign(null, message, privateKey);
  const node = await measureSignVerify(
    'floor Ed25519',
    () => sign(null, message, privateKey),
    () => verify(null, message, publicKey, signature),
  );
  if (platform.ed25519Backend !== 'libsodium' || !sodiumEd25519) return { node, backend: undefined };
  const signer = sodiumEd25519.signer(BENCH_SEED);
  const verifier = sodiumEd25519.verifier(sodiumEd25519.publicKey(BENCH_SEED));
  const backend = await measureSignVerify(
    'floor libsodium',
    () => signer.sign(message),
    () => verifier.verify(message, signature),
  );
  return { node, backend };
}

/** `<label> sign` and `<label> verify`, recorded; a verification that fails is an error, not a measurement. */
async function measureSignVerify(label: string, signOnce: () => unknown, verifyOnce: () => boolean): Promise<Floor> {
  return {
    sign: record(await measure(`${label} sign`, signOnce, budget)),
    verify: record(
      await measure(
        `${label} verify`,
        () => {
          if (!verifyOnce()) throw new Error(`${label}: the signature did not verify`);
        },
        budget,
      ),
    ),
  };
}

interface CredentialRun {
  name: CredentialName;
  label: string;
  bytes: number;
  refIssue: Measurement;
  refVerify: Measurement;
  diIssue: Measurement;
  diVerify: Measurement;
  jwtSign: Measurement;
  jwtVerify: Measurement;
}

const clock = (): Date => NOW;
const key = benchKey();

function checkSame(what: string, k: number, expected: string | undefined, actual: string): void {
  proofValuesCompared++;
  if (expected !== actual) {
    proofValueMismatches++;
    fail(`${what} variant ${k}: Skillproof proofValue ${actual} differs from the reference's ${expected ?? '(none)'}`);
  }
}

function checkVerified(what: string, k: number, result: { verified: boolean; checks?: unknown }): void {
  if (!result.verified) fail(`${what} variant ${k} did not verify: ${JSON.stringify(result.checks ?? result)}`);
}

async function measureCredential(credential: BenchCredential): Promise<CredentialRun> {
  const unsigned = Array.from({ length: VARIANTS }, (_, k) => credential.make(k));
  const pick = <T>(list: T[], i: number): [T, number] => [list[i % VARIANTS]!, i % VARIANTS];

  // Prepared outside the clock: the reference's signed variants (the expected proofValues), and Skillproof's own.
  const refSigned = await Promise.all(unsigned.map((c) => referenceSign(c, { seed: BENCH_SEED, created: CREATED })));
  const expected = refSigned.map(proofValueOf);
  const spSigned = await Promise.all(unsigned.map((c) => signCredential(c, { key, created: CREATED })));
  spSigned.forEach((s, k) => checkSame(`${credential.label} prepared`, k, expected[k], proofValueOf(s)));
  const jwts = await Promise.all(unsigned.map((c) => signCredentialJwt(c, key, { clock })));
  const label = credential.name;

  const refIssue = record(
    await measure(
      `${label} reference issue`,
      async (i) => {
        const [c, k] = pick(unsigned, i);
        const signed = await referenceSign(c, { seed: BENCH_SEED, created: CREATED });
        if (proofValueOf(signed) !== expected[k]) fail(`reference issue of ${label} variant ${k} is not deterministic`);
      },
      budget,
    ),
  );
  const refVerify = record(
    await measure(
      `${label} reference verify`,
      async (i) => {
        const [c, k] = pick(refSigned, i);
        const r = await referenceVerify(c, { now: NOW });
        if (!r.verified) fail(`reference verify of ${label} variant ${k} failed: ${String(r.error)}`);
      },
      budget,
    ),
  );
  const diIssue = record(
    await measure(
      `${label} DI issue`,
      async (i) => {
        const [c, k] = pick(unsigned, i);
        const signed = await signCredential(c, { key, created: CREATED });
        checkSame(`${credential.label} DI issue`, k, expected[k], proofValueOf(signed));
      },
      budget,
    ),
  );
  const diVerify = record(
    await measure(
      `${label} DI verify`,
      async (i) => {
        const [c, k] = pick(spSigned, i);
        checkVerified(`${credential.label} DI verify`, k, await verifyCredential(c, { checkStatus: false, clock }));
      },
      budget,
    ),
  );
  const jwtSign = record(
    await measure(
      `${label} JWT sign`,
      async (i) => {
        const [c] = pick(unsigned, i);
        await signCredentialJwt(c, key, { clock });
      },
      budget,
    ),
  );
  const jwtVerify = record(
    await measure(
      `${label} JWT verify`,
      async (i) => {
        const [jwt, k] = pick(jwts, i);
        checkVerified(`${credential.label} JWT verify`, k, await verifyCredential(jwt, { checkStatus: false, clock }));
      },
      budget,
    ),
  );
  return {
    name: credential.name,
    label: credential.label,
    bytes: Buffer.byteLength(JSON.stringify(spSigned[0])),
    refIssue,
    refVerify,
    diIssue,
    diVerify,
    jwtSign,
    jwtVerify,
  };
}

interface AllCores {
  available: boolean;
  reason?: string;
  threads?: number;
  items?: number;
  issueOpsPerSecond?: number;
  verifyOpsPerSecond?: number;
  /** All-cores throughput over the one-core sequential rate of the same operation. */
  issueScaling?: number;
  verifyScaling?: number;
}

/** Collects what a batch writes, as text. */
function collector(): { stream: Writable; text: () => string } {
  const parts: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      parts.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => parts.join('') };
}

/**
 * DI issue and verify on every core through `skillproof sign-batch` / `verify-batch` (run in-process with JSON Lines
 * streams, worker start-up included), on the OB 3.0 variants; every proofValue compared, every result must verify.
 * Throughput of a whole batch, not per-op latency (per-op times mean little across threads).
 */
async function measureAllCores(credential: BenchCredential, oneCore: CredentialRun): Promise<AllCores> {
  const lookup = await findBatchCommands();
  if (!lookup.commands) return { available: false, reason: lookup.reason };
  const { signBatch, verifyBatch } = lookup.commands;
  const threads = availableParallelism();
  const items = quick ? 1_000 : 5_000;
  const texts = Array.from({ length: VARIANTS }, (_, k) => JSON.stringify(credential.make(k)));
  const expected = await Promise.all(
    texts.map(async (t) =>
      proofValueOf(await referenceSign(JSON.parse(t) as JsonObject, { seed: BENCH_SEED, created: CREATED })),
    ),
  );
  const dir = mkdtempSync(join(tmpdir(), 'skillproof-bench-'));
  try {
    const keyFile = join(dir, 'key.json');
    writeFileSync(keyFile, JSON.stringify(exportEd25519Multikey(key, { includeSecret: true })), { mode: 0o600 });
    const sign = async (count: number): Promise<{ seconds: number; text: string }> => {
      const out = collector();
      const start = process.hrtime.bigint();
      const code = await signBatch(
        { key: keyFile, format: 'di', created: CREATED, threads },
        { input: jsonLines(count, (i) => texts[i % VARIANTS]!), output: out.stream },
      );
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) fail(`sign-batch exited with ${code}`);
      return { seconds, text: out.text() };
    };
    await sign(4 * threads); // warm-up: module compilation in the workers' tsx, caches
    const signed = await sign(items);
    const lines = signed.text.split('\n').filter((l) => l !== '');
    if (lines.length !== items) fail(`sign-batch wrote ${lines.length} lines for ${items}`);
    lines.forEach((l, i) =>
      checkSame(
        `${credential.label} sign-batch`,
        i % VARIANTS,
        expected[i % VARIANTS],
        proofValueOf(JSON.parse(l) as JsonObject),
      ),
    );

    const out = collector();
    const start = process.hrtime.bigint();
    const code = await verifyBatch(
      { offline: true, threads },
      { input: jsonLines(lines.length, (i) => lines[i]!), output: out.stream },
    );
    const verifySeconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (code !== 0) {
      const bad = out
        .text()
        .split('\n')
        .find((l) => l !== '' && !(JSON.parse(l) as { verified: boolean }).verified);
      fail(`verify-batch exited with ${code}: ${bad ?? ''}`);
    }
    const issueOpsPerSecond = items / signed.seconds;
    const verifyOpsPerSecond = lines.length / verifySeconds;
    return {
      available: true,
      threads,
      items,
      issueOpsPerSecond,
      verifyOpsPerSecond,
      issueScaling: issueOpsPerSecond / oneCore.diIssue.opsPerSecond,
      verifyScaling: verifyOpsPerSecond / oneCore.diVerify.opsPerSecond,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs bulk.ts in a child process (same node flags, so tsx and --expose-gc carry over). */
async function runBulk(n: number, credential: BenchCredential): Promise<BulkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'skillproof-bench-'));
  const every = Math.max(1, Math.floor(n / 100));
  try {
    const child = fork(
      fileURLToPath(new URL('./bulk.ts', import.meta.url)),
      [String(n), join(dir, 'signed.jsonl'), String(every)],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    let result: BulkResult | undefined;
    child.on('message', (m) => (result = m as BulkResult));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0 || !result) throw new Error(`the bulk run exited with ${code} and no result`);
    // The child's sampled proofValues against the reference library, for the same generated credentials.
    for (const { i, proofValue } of result.samples) {
      const ref = await referenceSign(credential.make(i), { seed: BENCH_SEED, created: CREATED });
      checkSame('bulk', i, proofValueOf(ref), proofValue);
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function row(m: Measurement): string {
  return `${m.name.padEnd(26)}${fmt(m.opsPerSecond, 0).padStart(10)}${fmt(m.meanUs, 1).padStart(12)}${fmt(m.p50Us, 1).padStart(12)}${fmt(m.p99Us, 1).padStart(12)}${String(m.ops).padStart(9)}`;
}

function mark(ok: boolean): string {
  return ok ? 'met' : 'MISSED';
}

async function main(): Promise<void> {
  const started = Date.now();
  const threads = availableParallelism();
  console.log(
    `Skillproof bench${quick ? ' (--quick)' : ''}: Node ${process.version}, ${threads} cores (${cpus()[0]?.model.trim() ?? '?'}), ` +
      `${budget.measureMs} ms per measurement after ${budget.warmupMs} ms warm-up, created ${CREATED}, ` +
      `Skillproof's Ed25519: ${platform.ed25519Backend}`,
  );
  process.stderr.write('measuring…\n');
  const floors = await measureFloor();
  const floor = floors.node;
  const credentials = benchCredentials(key);
  const runs: CredentialRun[] = [];
  for (const c of credentials) runs.push(await measureCredential(c));
  const ob3 = runs[0]!;
  const allCores = await measureAllCores(credentials[0]!, ob3);
  const scaling = measureCanonicalizeScaling();
  let bulk: BulkResult | undefined;
  if (!args['no-bulk']) {
    process.stderr.write(`bulk: signing ${bulkN.toLocaleString('en')} credentials in a child process…\n`);
    try {
      bulk = await runBulk(bulkN, credentials[0]!);
    } catch (e) {
      fail(`bulk: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  console.log(
    `\n${'measurement'.padEnd(26)}${'ops/s'.padStart(10)}${'µs/op'.padStart(12)}${'p50 µs'.padStart(12)}${'p99 µs'.padStart(12)}${'ops'.padStart(9)}`,
  );
  for (const f of [floor, floors.backend]) if (f) console.log(row(f.sign) + '\n' + row(f.verify));
  for (const r of runs) {
    console.log(`-- ${r.label} (${r.bytes.toLocaleString('en')} bytes signed, ${VARIANTS} variants cycled)`);
    for (const m of [r.refIssue, r.refVerify, r.diIssue, r.diVerify, r.jwtSign, r.jwtVerify]) console.log(row(m));
  }
  console.log(
    allCores.available
      ? `OB 3.0 on all cores (sign-batch / verify-batch, ${allCores.items!.toLocaleString('en')} lines, ${allCores.threads} threads, worker start-up included):\n` +
          `  DI issue  ${fmt(allCores.issueOpsPerSecond!, 0)} ops/s (${fmt(allCores.issueScaling!, 2)}× one core)\n` +
          `  DI verify ${fmt(allCores.verifyOpsPerSecond!, 0)} ops/s (${fmt(allCores.verifyScaling!, 2)}× one core; verifyCredential with status, real clock)`
      : `DI issue/verify, all cores: n/a — ${allCores.reason}`,
  );

  const ratios = Object.fromEntries(
    runs.map((r) => [
      r.name,
      {
        di_issue_speedup: r.refIssue.meanUs / r.diIssue.meanUs,
        di_verify_speedup: r.refVerify.meanUs / r.diVerify.meanUs,
        di_issue_vs_floor: r.diIssue.meanUs / floor.sign.meanUs,
        di_verify_vs_floor: r.diVerify.meanUs / floor.verify.meanUs,
        jwt_sign_vs_floor: r.jwtSign.meanUs / floor.sign.meanUs,
        jwt_verify_vs_floor: r.jwtVerify.meanUs / floor.verify.meanUs,
        ...(floors.backend && {
          di_issue_vs_backend_floor: r.diIssue.meanUs / floors.backend.sign.meanUs,
          di_verify_vs_backend_floor: r.diVerify.meanUs / floors.backend.verify.meanUs,
        }),
      },
    ]),
  ) as Partial<Record<CredentialName, Record<string, number>>>;
  console.log('\nratios (mean µs/op)            ' + runs.map((r) => r.label.padStart(14)).join(''));
  const ratioLine = (label: string, keyName: string, target?: string) =>
    console.log(
      `${label.padEnd(31)}${runs.map((r) => (fmt(ratios[r.name]![keyName]!, 1) + '×').padStart(14)).join('')}${target ? `   target ${target}` : ''}`,
    );
  ratioLine('DI issue speedup vs reference', 'di_issue_speedup', `≥ ${TARGETS.di_issue_speedup}×`);
  ratioLine('DI verify speedup vs reference', 'di_verify_speedup', `≥ ${TARGETS.di_verify_speedup}×`);
  ratioLine('DI issue / signing floor', 'di_issue_vs_floor', '≈ ≤ 4×');
  ratioLine('DI verify / verification floor', 'di_verify_vs_floor', '≈ ≤ 2×');
  if (floors.backend) {
    ratioLine('DI issue / libsodium sign', 'di_issue_vs_backend_floor');
    ratioLine('DI verify / libsodium verify', 'di_verify_vs_backend_floor');
  }
  ratioLine('JWT sign / signing floor', 'jwt_sign_vs_floor');
  ratioLine('JWT verify / verification floor', 'jwt_verify_vs_floor');

  console.log(
    `\ncanonicalize, one blank node: ${scaling.smallQuads.toLocaleString('en')} quads ${fmt(scaling.smallMs, 1)} ms, ` +
      `${scaling.largeQuads.toLocaleString('en')} quads ${fmt(scaling.largeMs, 1)} ms: ${fmt(scaling.ratio, 2)}× for 4× the quads` +
      `   target < ${TARGETS.canonicalize_4x_quads_ratio}× (n log n ≈ 4–5×, a scan per quad 16×)`,
  );

  const extrapolated = bulk !== undefined && bulk.n !== 100_000;
  const bulk100kSeconds = bulk ? (bulk.seconds * 100_000) / bulk.n : null;
  if (bulk) {
    console.log(
      `\nbulk: ${bulk.n.toLocaleString('en')} distinct OB 3.0 credentials, JSONL in → signed JSONL out (${fmt(bulk.outputBytes / 1e6, 1)} MB), ` +
        `${bulk.signer}, ${bulk.threads} thread(s)\n` +
        `  ${fmt(bulk.seconds, 2)} s wall (${fmt(bulk.n / bulk.seconds, 0)} credentials/s), peak RSS ${fmt(bulk.peakRssMb, 0)} MB\n` +
        `  100k: ${fmt(bulk100kSeconds!, 1)} s${extrapolated ? ` (extrapolated linearly from ${bulk.n.toLocaleString('en')}; RSS measured at that N)` : ''}` +
        `   target ≤ ${TARGETS.bulk_100k_seconds} s, ≤ ${TARGETS.bulk_100k_peak_rss_mb} MB`,
    );
  } else {
    console.log('\nbulk: not run');
  }

  const head = ratios.ob3!;
  const json = {
    quick,
    node: process.version,
    cores: threads,
    cpu: cpus()[0]?.model.trim() ?? null,
    created: CREATED,
    budget,
    variants: VARIANTS,
    di_issue_speedup: head.di_issue_speedup,
    di_verify_speedup: head.di_verify_speedup,
    di_issue_vs_floor: head.di_issue_vs_floor,
    di_verify_vs_floor: head.di_verify_vs_floor,
    ed25519_backend: platform.ed25519Backend,
    di_issue_vs_backend_floor: head.di_issue_vs_backend_floor ?? null,
    di_verify_vs_backend_floor: head.di_verify_vs_backend_floor ?? null,
    bulk_100k_seconds: bulk100kSeconds,
    bulk_100k_peak_rss_mb: bulk ? bulk.peakRssMb : null,
    bulk_100k_extrapolated: extrapolated,
    bulk_n: bulk?.n ?? null,
    bulk_seconds: bulk?.seconds ?? null,
    bulk_threads: bulk?.threads ?? null,
    bulk_signer: bulk?.signer ?? null,
    ratios,
    all_cores: allCores,
    canonicalize_scaling: scaling,
    measurements: Object.fromEntries(
      [...results].map(([name, m]) => [
        name,
        { ops: m.ops, ops_per_s: m.opsPerSecond, us_per_op: m.meanUs, p50_us: m.p50Us, p99_us: m.p99Us },
      ]),
    ),
    targets: TARGETS,
    targets_met: {
      di_issue_speedup: head.di_issue_speedup! >= TARGETS.di_issue_speedup,
      di_verify_speedup: head.di_verify_speedup! >= TARGETS.di_verify_speedup,
      bulk_100k_seconds: bulk100kSeconds !== null && bulk100kSeconds <= TARGETS.bulk_100k_seconds,
      bulk_100k_peak_rss_mb: bulk !== undefined && bulk.peakRssMb <= TARGETS.bulk_100k_peak_rss_mb,
      canonicalize_4x_quads_ratio: scaling.ratio < TARGETS.canonicalize_4x_quads_ratio,
    },
    proof_values_compared: proofValuesCompared,
    proof_value_mismatches: proofValueMismatches,
    failures,
    seconds: (Date.now() - started) / 1000,
  };
  console.log(
    `\ntargets (OB 3.0): DI issue ${mark(json.targets_met.di_issue_speedup)}, DI verify ${mark(json.targets_met.di_verify_speedup)}, ` +
      `100k time ${bulk ? mark(json.targets_met.bulk_100k_seconds) : 'not run'}, 100k RSS ${bulk ? mark(json.targets_met.bulk_100k_peak_rss_mb) : 'not run'}`,
  );
  console.log(
    `proofValues compared with the reference: ${proofValuesCompared.toLocaleString('en')}, ${proofValueMismatches === 0 ? 'all identical' : `${proofValueMismatches} DIFFER`}`,
  );
  console.log(`bench took ${fmt(json.seconds, 0)} s`);
  if (args.json) {
    writeFileSync(args.json, JSON.stringify(json, null, 2) + '\n');
    console.log(`wrote ${args.json}`);
  }
  if (failures.length > 0) {
    console.error(`\nBENCH FAILED: ${failures.length} correctness failure(s):\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
