// An independent reader of Envelope format v1, written from docs/FORMAT.md alone, with nothing but
// Node.js's standard library. It opens envelopes whose recipient uses a local:// KEK (A256KWP).
//
//   node open-v1.mjs open ENVELOPE KEK_URI KEY_FILE [CONTEXT_JSON]   -> plaintext on stdout
//   node open-v1.mjs check-golden DIR                                -> checks the golden set
//
// It is deliberately not shared with the Java code: it exists to prove that the specification is
// complete and that the Java implementation follows it.
import { createHash, createHmac, createDecipheriv, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

class FormatError extends Error {}

// ---- deterministic CBOR (FORMAT.md §2.2): only what v1 uses, shortest forms only ----
function decodeCbor(buf) {
  let pos = 0;
  function need(n) {
    if (pos + n > buf.length) throw new FormatError('truncated CBOR');
  }
  function head() {
    need(1);
    const first = buf[pos++];
    const major = first >> 5;
    const info = first & 0x1f;
    let value;
    if (info < 24) value = info;
    else if (info === 24) { need(1); value = buf[pos++]; if (value < 24) throw new FormatError('non-shortest integer'); }
    else if (info === 25) { need(2); value = buf.readUInt16BE(pos); pos += 2; if (value < 0x100) throw new FormatError('non-shortest integer'); }
    else if (info === 26) { need(4); value = buf.readUInt32BE(pos); pos += 4; if (value < 0x10000) throw new FormatError('non-shortest integer'); }
    else if (info === 27) {
      need(8); value = buf.readBigUInt64BE(pos); pos += 8;
      if (value < 0x100000000n) throw new FormatError('non-shortest integer');
      if (value >= 1n << 63n) throw new FormatError('integer beyond 2^63-1');
      if (major !== 0) throw new FormatError('length beyond the input');
    }
    else throw new FormatError('unsupported CBOR length form');
    return { major, value };
  }
  function item() {
    const { major, value } = head();
    switch (major) {
      case 0: return value;
      case 2: need(value); return buf.subarray(pos, (pos += value));
      case 3: need(value); return new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(pos, (pos += value)));
      case 4: { const a = []; for (let i = 0; i < value; i++) a.push(item()); return a; }
      case 5: {
        const m = new Map();
        let previous = null;
        for (let i = 0; i < value; i++) {
          const keyStart = pos;
          const k = item();
          const encodedKey = buf.subarray(keyStart, pos);
          if (previous && Buffer.compare(previous, encodedKey) >= 0) throw new FormatError('map keys not in deterministic order');
          previous = encodedKey;
          m.set(k, item());
        }
        return m;
      }
      default: throw new FormatError('unsupported CBOR major type ' + major);
    }
  }
  const result = item();
  if (pos !== buf.length) throw new FormatError('trailing bytes after CBOR item');
  return result;
}

// ---- FORMAT.md §1-§3 ----
function parseHeader(env) {
  if (env.length < 6 || env.subarray(0, 3).toString('latin1') !== 'ENV') throw new FormatError('not an envelope');
  if (env[3] !== 1) throw new FormatError('unsupported version ' + env[3]);
  const p = env.readUInt16BE(4);
  if (p < 1 || p > 8192 || env.length < 6 + p + 2) throw new FormatError('bad or truncated protected header');
  const prot = decodeCbor(env.subarray(6, 6 + p));
  const r = env.readUInt16BE(6 + p);
  if (r < 1 || r > 32768 || env.length < 8 + p + r) throw new FormatError('bad or truncated recipients');
  const recipients = decodeCbor(env.subarray(8 + p, 8 + p + r));
  if (!(prot instanceof Map)) throw new FormatError('protected header is not a map');
  for (const k of prot.keys()) if (![1, 2, 3, 4].includes(k)) throw new FormatError('unknown header field ' + k);
  const alg = prot.get(1);
  if (alg !== 1 && alg !== 2) throw new FormatError('unsupported body algorithm');
  const commitment = prot.get(4);
  if ((alg === 2) !== (commitment instanceof Uint8Array && commitment.length === 32)) throw new FormatError('bad key commitment field');
  const kid = prot.get(2);
  if (typeof kid !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:\/-]{0,127}$/.test(kid)) throw new FormatError('missing or invalid key id');
  const ctx = prot.get(3) ?? new Map();
  if (prot.has(3) && ctx.size === 0) throw new FormatError('empty context must be omitted');
  if (!Array.isArray(recipients) || recipients.length === 0 || recipients.length > 16) throw new FormatError('bad recipient list');
  for (const rc of recipients) {
    if (!Array.isArray(rc) || rc.length !== 3 || !(rc[0] instanceof Uint8Array) || rc[0].length !== 8
        || !['number', 'bigint'].includes(typeof rc[1]) || rc[1] < 1 || !(rc[2] instanceof Uint8Array)
        || rc[2].length < 1 || rc[2].length > 4096) throw new FormatError('bad recipient');
  }
  return { alg, kid, ctx, commitment, recipients, authenticated: env.subarray(0, 6 + p), bodyStart: 8 + p + r };
}

// ---- FORMAT.md §4 ----
function hkdfExpandSha512(prk, info, length) {
  const out = [];
  let t = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(out).length < length; i++) {
    t = createHmac('sha512', prk).update(t).update(info).update(Buffer.from([i])).digest();
    out.push(t);
  }
  return Buffer.concat(out).subarray(0, length);
}

function openBody(dek, context, body) {
  if (body.length < 56) throw new FormatError('body shorter than salt and commitment');
  const salt = body.subarray(0, 24);
  const info = Buffer.concat([Buffer.from('c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM\0', 'latin1'), salt, context]);
  const okm = hkdfExpandSha512(dek, info, 76);
  const key = okm.subarray(0, 32);
  const baseNonce = okm.subarray(32, 44);
  if (!timingSafeEqual(okm.subarray(44, 76), body.subarray(24, 56))) throw new FormatError('key commitment mismatch');
  const rest = body.length - 56;
  if (rest % 16400 < 16) throw new FormatError('impossible body length (truncated or extended)');
  const chunks = [];
  let pos = 56;
  for (let i = 0; pos < body.length; i++) {
    const n = Math.min(16400, body.length - pos);
    const nonce = Buffer.from(baseNonce);
    let counter = BigInt(i);
    for (let j = 11; j >= 7; j--) { nonce[j] ^= Number(counter & 0xffn); counter >>= 8n; }
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAuthTag(body.subarray(pos + n - 16, pos + n));
    chunks.push(d.update(body.subarray(pos, pos + n - 16)), d.final());
    pos += n;
  }
  return Buffer.concat(chunks);
}

// ---- FORMAT.md §4.2: A256GCM ----
function openA256gcm(dek, header, body) {
  const key = hkdfExpandSha512(dek, Buffer.from('dev.envelope/v1/A256GCM/key', 'latin1'), 32);
  const commitment = hkdfExpandSha512(dek, Buffer.from('dev.envelope/v1/A256GCM/commitment', 'latin1'), 32);
  if (!timingSafeEqual(commitment, Buffer.from(header.commitment))) throw new FormatError('key commitment mismatch');
  if (body.length < 28) throw new FormatError('body shorter than nonce and tag');
  const d = createDecipheriv('aes-256-gcm', key, body.subarray(0, 12));
  d.setAAD(header.authenticated);
  d.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]);
}

// ---- FORMAT.md §5.1 and §7 ----
function kekRef(uri) {
  return createHash('sha256').update(uri, 'utf8').digest().subarray(0, 8);
}

function sameContext(stored, expected) {
  const keys = Object.keys(expected);
  return keys.length === stored.size && keys.every((k) => stored.get(k) === expected[k]);
}

export function open(env, kekUri, kek, expectedContext) {
  const h = parseHeader(env);
  if (!sameContext(h.ctx, expectedContext)) throw new FormatError('context mismatch');
  const ref = kekRef(kekUri);
  const mine = h.recipients.find((rc) => Buffer.compare(Buffer.from(rc[0]), ref) === 0);
  if (!mine) throw new FormatError('no recipient for ' + kekUri);
  if (mine[1] !== 1) throw new FormatError('recipient is not A256KWP');
  const unwrap = createDecipheriv('id-aes256-wrap-pad', kek, Buffer.from('A65959A6', 'hex'));
  const dek = Buffer.concat([unwrap.update(mine[2]), unwrap.final()]);
  if (dek.length !== 32) throw new FormatError('data key is not 32 bytes');
  const body = env.subarray(h.bodyStart);
  return h.alg === 2 ? openA256gcm(dek, h, body) : openBody(dek, h.authenticated, body);
}

function checkGolden(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const kek = readFileSync(join(dir, 'keys', 'golden.key'));
  let opened = 0;
  let refused = 0;
  for (const entry of manifest) {
    if (!['golden-local', 'golden-both'].includes(entry.logicalKey)) continue;
    const env = readFileSync(join(dir, entry.envelope));
    const plain = readFileSync(join(dir, entry.plaintext));
    const got = open(env, 'local://golden', kek, entry.context);
    if (Buffer.compare(got, plain) !== 0) throw new Error(entry.envelope + ': wrong plaintext');
    opened++;
    const tampered = Buffer.from(env);
    tampered[tampered.length - 1] ^= 1;
    try {
      open(tampered, 'local://golden', kek, entry.context);
      throw new Error(entry.envelope + ': tampered copy opened');
    } catch (e) {
      if (e.message.endsWith('tampered copy opened')) throw e;
      refused++;
    }
  }
  if (opened < 5) throw new Error('expected at least 5 golden envelopes, opened ' + opened);
  console.log(`independent reader: ${opened} passed, 0 failed (${refused} tampered copies refused)`);
}

const [command, ...args] = process.argv.slice(2);
if (command === 'check-golden') {
  checkGolden(args[0]);
} else if (command === 'open') {
  const [file, uri, keyFile, ctx] = args;
  process.stdout.write(open(readFileSync(file), uri, readFileSync(keyFile), JSON.parse(ctx ?? '{}')));
} else if (command !== undefined) {
  console.error('usage: open-v1.mjs open ENVELOPE KEK_URI KEY_FILE [CONTEXT_JSON] | check-golden DIR');
  process.exit(2);
}
