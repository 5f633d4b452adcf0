import { readFileSync } from 'node:fs';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NOTE_TYPE_COSIGNATURE,
  cosign,
  createCosigner,
  createNoteSigner,
  formatCheckpoint,
  noteSignerKey,
  noteVerifierKey,
  openNote,
  parseCheckpoint,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  verifyCosignature,
} from '../src/index.js';
import type { NoteSignature } from '../src/index.js';
// Internal: every hash, key and signature line of the C2SP formats goes through it, so it is tested on its own too.
import { base64Decode, base64Encode } from '../src/ledger/bytes.js';

// golang.org/x/mod/sumdb/note and C2SP spec examples (see fixtures/tlog/SOURCES.md).
const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/tlog/${name}`, import.meta.url), 'utf8')) as T;
interface GoKey {
  name: string;
  keyHash: string;
  vkey: string;
  skey?: string;
  signatureLine: string;
  signatureBase64: string;
}
const go = fixture<{
  peter: GoKey & { skey: string };
  enoch: GoKey;
  text: string;
  signedByPeter: string;
  badVerifierKeys: string[];
}>('go-sumdb-note.json');
const c2sp = fixture<{
  signedNote: { vkey: string; note: string; unkeyedNote: string };
  checkpoint: { note: string; origin: string; size: number; rootHash: string };
  cosignature: { note: string; witness: string; signedMessage: string };
}>('c2sp-examples.json');

const keyInvalid = expect.objectContaining({ code: 'ERR_KEY_INVALID' });
const noteInvalid = expect.objectContaining({ code: 'ERR_NOTE_INVALID' });
const checkpointInvalid = expect.objectContaining({ code: 'ERR_CHECKPOINT_INVALID' });
const seedOf = (n: number) => new Uint8Array(32).fill(n);

/** Every proper substring and every one-character increment of `key` (the manglings Go's tests try). */
function manglings(key: string): string[] {
  const out: string[] = [];
  for (let i = 0; i <= key.length; i++) {
    for (let j = i + 1; j <= key.length; j++) if (i !== 0 || j !== key.length) out.push(key.slice(i, j));
  }
  for (let i = 0; i < key.length; i++)
    out.push(key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1));
  return out;
}

describe('verifier and signer keys (golang.org/x/mod/sumdb/note vectors)', () => {
  it('parses the PeterNeumann vkey and rejects every mangling of it with ERR_KEY_INVALID', () => {
    const peter = parseVerifierKey(go.peter.vkey);
    expect(peter.name).toBe('PeterNeumann');
    expect(peter.keyHash.toString(16)).toBe(go.peter.keyHash);
    expect(peter.type).toBe(1);
    for (const bad of [...manglings(go.peter.vkey), ...go.badVerifierKeys]) {
      expect(() => parseVerifierKey(bad), bad).toThrow(keyInvalid);
    }
  });

  it('parses the skey, derives the same vkey, writes the same skey back, and rejects every mangling', () => {
    const { name, keyHash, seed } = parseSignerKey(go.peter.skey);
    expect(name).toBe('PeterNeumann');
    expect(keyHash.toString(16)).toBe(go.peter.keyHash);
    const signer = createNoteSigner(name, seed);
    expect(signer.verifierKey).toBe(go.peter.vkey);
    expect(noteVerifierKey(name, signer.publicKey)).toBe(go.peter.vkey);
    expect(noteSignerKey(name, seed)).toBe(go.peter.skey);
    for (const bad of manglings(go.peter.skey)) expect(() => parseSignerKey(bad), bad).toThrow(keyInvalid);
  });

  it('rejects invalid names, seeds and key types', () => {
    for (const name of ['', 'a b', 'a+b', 'a\tb', 'a\u00a0b', 'a\u2028b'])
      expect(() => createNoteSigner(name, seedOf(1)), JSON.stringify(name)).toThrow(keyInvalid);
    expect(() => createNoteSigner('ok', new Uint8Array(31))).toThrow(keyInvalid);
    expect(() => noteVerifierKey('ok', new Uint8Array(32), 2)).toThrow(keyInvalid);
    expect(() => parseVerifierKey(42 as unknown as string)).toThrow(keyInvalid);
  });
});

describe('signed notes (golang.org/x/mod/sumdb/note vectors)', () => {
  const { name, seed } = parseSignerKey(go.peter.skey);
  const signer = createNoteSigner(name, seed);
  const peter = parseVerifierKey(go.peter.vkey);
  const enoch = parseVerifierKey(go.enoch.vkey);
  const both = go.text + '\n' + go.peter.signatureLine + go.enoch.signatureLine;

  it('signs the known text to the known note, byte for byte, replacing an older signature by the same key', () => {
    expect(signNote(go.text, [signer])).toBe(go.signedByPeter);
    const stale: NoteSignature = { name, keyHash: signer.keyHash, signature: new Uint8Array(8), line: '' };
    expect(signNote(go.text, [signer], [stale])).toBe(go.signedByPeter);
    expect(() => signNote('abc', [signer])).toThrow(noteInvalid);
    expect(() => signNote(go.text, [{ ...signer, name: 'bad name' }])).toThrow(keyInvalid);
    expect(() => signNote(go.text, [])).toThrow(noteInvalid);
  });

  it('verifies known signatures and ignores unknown ones', () => {
    const one = openNote(both, [peter]);
    expect(one.text).toBe(go.text);
    expect(one.verified).toEqual(['PeterNeumann']);
    expect(one.signatures.map((s) => [s.name, s.status])).toEqual([
      ['PeterNeumann', 'verified'],
      ['EnochRoot', 'unknown'],
    ]);
    expect(one.signatures[1]!.keyHash.toString(16)).toBe(go.enoch.keyHash);
    expect(openNote(both, [peter, enoch]).verified).toEqual(['PeterNeumann', 'EnochRoot']);
    const none = openNote(both, []);
    expect(none.verified).toEqual([]);
    expect(none.signatures.map((s) => s.status)).toEqual(['unknown', 'unknown']);
  });

  it('treats two different verifiers with one name and key hash as ambiguous only when a signature needs them', () => {
    const enochAgain = parseVerifierKey(go.enoch.vkey);
    expect(() => openNote(go.text + '\n' + go.enoch.signatureLine, [enoch, peter, enochAgain])).toThrow(
      expect.objectContaining({ code: 'ERR_INPUT_INVALID' }),
    );
    expect(openNote(go.text + '\n' + go.peter.signatureLine, [enoch, peter, enochAgain]).verified).toEqual([
      'PeterNeumann',
    ]);
  });

  it('rejects more than 100 signatures, and reports an invalid signature by a known key', () => {
    expect(() => openNote(go.text + '\n' + go.peter.signatureLine.repeat(101), [peter])).toThrow(noteInvalid);
    const sig = go.peter.signatureLine;
    const tampered = go.text + '\n' + sig.slice(0, 60) + 'ABCD' + sig.slice(60);
    const opened = openNote(tampered, [peter]);
    expect(opened.verified).toEqual([]);
    expect(opened.signatures.map((s) => s.status)).toEqual(['invalid']);
  });

  it('checks a repeated signature once and lists repeated unknown lines once', () => {
    const e = go.enoch.signatureLine;
    const enochABCD = e.slice(0, 60) + 'ABCD' + e.slice(60);
    const opened = openNote(go.text + '\n' + go.peter.signatureLine.repeat(2) + e + e + enochABCD, [peter]);
    expect(opened.verified).toEqual(['PeterNeumann']);
    expect(opened.signatures.map((s) => `${s.name}:${s.status}`)).toEqual([
      'PeterNeumann:verified',
      'EnochRoot:unknown',
      'EnochRoot:unknown',
    ]);
    expect(opened.signatures[2]!.line).toBe(enochABCD.slice(0, -1));
  });

  it('rejects malformed notes with ERR_NOTE_INVALID', () => {
    const sig = go.peter.signatureLine;
    const text = new TextEncoder().encode(go.text + '\n' + sig);
    for (const bad of [
      go.text,
      go.text + '\n',
      go.text + '\n' + sig.slice(0, -1),
      '\x01' + go.text + '\n' + sig,
      go.text +
        '\n' +
        '— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=',
      go.text + '\n' + sig + 'Unexpected line.\n',
      go.text + '\n' + '— PeterNeumann AAAA\n',
      go.text + '\n' + sig.replace('AM=', 'AN='),
      go.text + '\n' + '- PeterNeumann' + sig.slice(14),
      go.text + '\n' + sig.replace('\n', '\r\n'),
      '\ud800' + go.text + '\n' + sig,
    ]) {
      expect(() => openNote(bad, [peter]), JSON.stringify(bad)).toThrow(noteInvalid);
    }
    expect(() => openNote(Uint8Array.of(0xff, ...text), [peter])).toThrow(noteInvalid);
    expect(openNote(text, [peter]).verified).toEqual(['PeterNeumann']);
    expect(() => parseNote(42 as unknown as string)).toThrow(noteInvalid);
  });
});

describe('signed notes (C2SP signed-note examples)', () => {
  it('the example vkey verifies the example note', () => {
    const key = parseVerifierKey(c2sp.signedNote.vkey);
    const opened = openNote(c2sp.signedNote.note, [key]);
    expect(opened.text).toBe('This is an example message.\n');
    expect(opened.verified).toEqual(['example.com/foo']);
  });

  it('a note whose text has blank lines splits at the last one', () => {
    const { text, signatures } = parseNote(c2sp.signedNote.unkeyedNote);
    expect(text.endsWith('\n\ned è subito sera.\n')).toBe(true);
    expect(signatures.map((s) => s.name)).toEqual(['quasimodo.example/salvatore']);
    expect(openNote(c2sp.signedNote.unkeyedNote, [parseVerifierKey(c2sp.signedNote.vkey)]).verified).toEqual([]);
  });

  it('round-trip: any text signed by any keys opens with those keys; any change to text or signature fails', () => {
    const line = fc.stringMatching(/^[ -~àé€😂]{1,40}$/u);
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 4 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 250 }), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        (lines, seeds, noise) => {
          const text = lines.join('\n') + '\n';
          const signers = seeds.map((s) => createNoteSigner(`signer${s}.example/log`, seedOf(s)));
          const verifiers = signers.map((s) => parseVerifierKey(s.verifierKey));
          const note = signNote(text, signers);
          const opened = openNote(note, verifiers);
          expect(opened.text).toBe(text);
          expect(opened.verified).toEqual(signers.map((s) => s.name));
          // Change one character of the text: every known signature is now invalid.
          const chars = Array.from(text);
          const at = noise % (chars.length - 1);
          chars[at] = chars[at] === 'x' ? 'y' : 'x';
          const changed = chars.join('');
          const reopened = openNote(changed + note.slice(text.length), verifiers);
          expect(reopened.verified).toEqual([]);
          expect(reopened.signatures.every((s) => s.status === 'invalid')).toBe(true);
          // Flip one bit of one signature (past the key hash): that one is invalid.
          const { signatures } = parseNote(note);
          const which = noise % signatures.length;
          const flipped = signatures.map((s, i) =>
            i === which ? { ...s, signature: s.signature.map((b, j) => (j === noise % 64 ? b ^ 1 : b)) } : s,
          );
          const reopened2 = openNote(signNote(text, [], flipped), verifiers);
          expect(reopened2.signatures.map((s) => s.status)).toEqual(
            signatures.map((_, i) => (i === which ? 'invalid' : 'verified')),
          );
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('checkpoints (C2SP tlog-checkpoint)', () => {
  it('parses the example checkpoint and writes the same text', () => {
    const { text } = parseNote(c2sp.checkpoint.note);
    const checkpoint = parseCheckpoint(text);
    expect(checkpoint.origin).toBe(c2sp.checkpoint.origin);
    expect(checkpoint.size).toBe(c2sp.checkpoint.size);
    expect(Buffer.from(checkpoint.rootHash).toString('base64')).toBe(c2sp.checkpoint.rootHash);
    expect(checkpoint.extensions).toEqual([]);
    expect(formatCheckpoint(checkpoint)).toBe(text);
  });

  it('round-trips any origin, size, root hash and extension lines, signed', () => {
    const signer = createNoteSigner('example.org/log', seedOf(9));
    fc.assert(
      fc.property(
        fc.stringMatching(/^[!-~]{1,30}$/),
        fc.maxSafeNat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(fc.stringMatching(/^[ -~]{1,20}$/), { maxLength: 3 }),
        (origin, size, rootHash, extensions) => {
          const note = signNote(formatCheckpoint({ origin, size, rootHash, extensions }), [signer]);
          const opened = openNote(note, [parseVerifierKey(signer.verifierKey)]);
          expect(opened.verified).toEqual(['example.org/log']);
          expect(parseCheckpoint(opened.text)).toEqual({ origin, size, rootHash, extensions });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('rejects malformed checkpoints with ERR_CHECKPOINT_INVALID', () => {
    const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
    for (const bad of [
      `o\n1\n${root}`,
      `o\n1\n`,
      `\n1\n${root}\n`,
      `o\n01\n${root}\n`,
      `o\n-1\n${root}\n`,
      `o\n1.0\n${root}\n`,
      `o\n9007199254740992\n${root}\n`,
      `o\n1\n${root.slice(4)}\n`,
      `o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n`,
      `o\n1\n${root}\n\n`,
      `o\n1\n${root}\next\n\nmore\n`,
      `o\t1\n1\n${root}\n`,
    ]) {
      expect(() => parseCheckpoint(bad), JSON.stringify(bad)).toThrow(checkpointInvalid);
    }
    const rootHash = new Uint8Array(32);
    expect(() => formatCheckpoint({ origin: 'o', size: -1, rootHash })).toThrow(checkpointInvalid);
    expect(() => formatCheckpoint({ origin: 'o\n', size: 1, rootHash })).toThrow(checkpointInvalid);
    expect(() => formatCheckpoint({ origin: 'o', size: 1, rootHash: new Uint8Array(31) })).toThrow(checkpointInvalid);
    expect(() => formatCheckpoint({ origin: 'o', size: 1, rootHash, extensions: [''] })).toThrow(checkpointInvalid);
  });
});

describe('cosignatures (C2SP tlog-cosignature)', () => {
  it('the example cosignature carries the key hash and the time of the example signed message', () => {
    const { text, signatures } = parseNote(c2sp.cosignature.note);
    const witness = signatures.find((s) => s.name === c2sp.cosignature.witness)!;
    expect(witness.signature.length).toBe(8 + 64);
    const time = Buffer.from(witness.signature.subarray(0, 8)).readBigUInt64BE();
    expect(`cosignature/v1\ntime ${time}\n${text}`).toBe(c2sp.cosignature.signedMessage);
  });

  it('signs cosignature/v1 messages that verify with type-0x04 vkeys, and only with them', () => {
    const log = createNoteSigner('example.com/behind-the-sofa', seedOf(3));
    const witness = createCosigner('witness.example.com/w1', seedOf(4));
    const witnessKey = parseVerifierKey(witness.verifierKey);
    expect(witnessKey.type).toBe(NOTE_TYPE_COSIGNATURE);
    const checkpoint = signNote(parseNote(c2sp.checkpoint.note).text, [log]);
    const cosignature = cosign(checkpoint, witness, 1679315147);
    expect(cosignature.line.startsWith('— witness.example.com/w1 ')).toBe(true);

    // The signature is Ed25519 over exactly the message the spec shows.
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), witness.publicKey]);
    const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    const message = Buffer.from(c2sp.cosignature.signedMessage);
    expect(nodeVerify(null, message, publicKey, cosignature.signature.subarray(8))).toBe(true);

    const cosigned = signNote(parseNote(checkpoint).text, [], [...parseNote(checkpoint).signatures, cosignature]);
    expect(verifyCosignature(cosigned, witness.verifierKey)).toEqual({ verified: true, timeSeconds: 1679315147 });
    const opened = openNote(cosigned, [parseVerifierKey(log.verifierKey), witnessKey]);
    expect(opened.verified).toEqual(['example.com/behind-the-sofa', 'witness.example.com/w1']);
    expect(opened.signatures[1]!.timeSeconds).toBe(1679315147);

    // The same seed as a plain note key has another key hash: the cosignature is unknown to it.
    const plain = parseVerifierKey(noteVerifierKey('witness.example.com/w1', witness.publicKey));
    expect(plain.keyHash).not.toBe(witnessKey.keyHash);
    expect(verifyCosignature(cosigned, plain)).toEqual({ verified: false });
    // Another time in the signature, another checkpoint, or no cosignature: not verified.
    const otherTime = {
      ...cosignature,
      signature: Uint8Array.of(...cosignature.signature.subarray(0, 7), 0xcc, ...cosignature.signature.subarray(8)),
    };
    expect(verifyCosignature(signNote(parseNote(checkpoint).text, [], [otherTime]), witnessKey)).toEqual({
      verified: false,
    });
    const otherText = parseNote(checkpoint).text.replace('20852163', '20852164');
    expect(verifyCosignature(signNote(otherText, [], [cosignature]), witnessKey)).toEqual({ verified: false });
    expect(verifyCosignature(checkpoint, witnessKey)).toEqual({ verified: false });
  });

  it('only cosigns checkpoints, at whole non-negative seconds', () => {
    const witness = createCosigner('w.example', seedOf(5));
    const note = signNote('not a checkpoint\n', [createNoteSigner('l.example', seedOf(6))]);
    expect(() => cosign(note, witness, 1)).toThrow(checkpointInvalid);
    expect(() => cosign(c2sp.checkpoint.note, witness, -1)).toThrow(
      expect.objectContaining({ code: 'ERR_INPUT_INVALID' }),
    );
    expect(() => cosign('garbage', witness, 1)).toThrow(noteInvalid);
    expect(() => createCosigner('w example', seedOf(5))).toThrow(keyInvalid);
  });
});

describe('strict base64 of the C2SP formats', () => {
  it('matches RFC 4648 §4 with padding and refuses every other spelling', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const text = base64Encode(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64'));
        expect(base64Decode(text)).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
    // Unpadded, url-safe, whitespace, misplaced padding, non-zero unused bits ('AB==' has them; 'AA==' does not).
    for (const bad of ['AA', 'AA=', '-_8=', 'AA ==', 'A=A=', 'AB==', 'AAB=', '===='])
      expect(base64Decode(bad), bad).toBeUndefined();
    expect(base64Decode('AA==')).toEqual(Uint8Array.of(0));
  });
});
