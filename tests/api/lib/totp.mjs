// RFC 6238 TOTP (HMAC-SHA1, 30-second steps, 6 digits) and RFC 4648 base32,
// written independently of the server so the tests check it.
import crypto from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Decode(text) {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// HOTP (RFC 4226) of a counter.
export function hotp(key, counter, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac('sha1', key).update(msg).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 10 ** digits).padStart(digits, '0');
}

export const STEP_SECONDS = 30;

export function stepAt(unixSeconds) {
  return Math.floor(unixSeconds / STEP_SECONDS);
}

export function totpAt(secretBase32, unixSeconds) {
  return hotp(base32Decode(secretBase32), stepAt(unixSeconds));
}

// A 6-digit code that is valid at none of the steps around unixSeconds.
export function wrongCode(secretBase32, unixSeconds) {
  const key = base32Decode(secretBase32);
  const s = stepAt(unixSeconds);
  const near = new Set([-3, -2, -1, 0, 1, 2, 3].map((d) => hotp(key, s + d)));
  for (let n = 0; ; n++) {
    const c = String((123456 + n * 7919) % 1000000).padStart(6, '0');
    if (!near.has(c)) return c;
  }
}
