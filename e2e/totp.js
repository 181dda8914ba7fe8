'use strict';
// totp.js: RFC 6238 TOTP for the browser walks (browserlib.js enroll and
// codePage), which type the code an authenticator app would show for the
// seed fedgate displays on its enrollment page. Self-tested against RFC 6238
// Appendix B (browserlib.js runMain runs selfTestTOTP before every walk).

const crypto = require('crypto');

const TOTP_PERIOD_S = 30;
const TOTP_DIGITS = 6;
const MAX_SECRET_CHARS = 128; // fedgate seeds are 32 base32 characters (20 bytes)

// base32Decode decodes RFC 4648 base32 (upper or lower case, padding and
// spaces ignored) and throws on any other character.
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  if (clean.length === 0 || clean.length > MAX_SECRET_CHARS) {
    throw new Error(`base32 seed has ${clean.length} characters; want 1 to ${MAX_SECRET_CHARS}`);
  }
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new Error('base32 seed contains a character outside A-Z2-7');
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// hotp is RFC 4226 section 5.3: HMAC-SHA1 over the 8-byte big-endian counter,
// dynamic truncation, modulo 10^digits.
function hotp(key, counter, digits = TOTP_DIGITS) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac('sha1', key).update(msg).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 10 ** digits).padStart(digits, '0');
}

// totpStep is the RFC 6238 time step of unixMillis.
function totpStep(unixMillis) {
  return Math.floor(unixMillis / 1000 / TOTP_PERIOD_S);
}

// selfTestTOTP checks the implementation against RFC 6238 Appendix B (SHA-1
// seed "12345678901234567890"), so a wrong code can never be blamed on fedgate.
function selfTestTOTP() {
  const key = base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  const vectors = [[59, '94287082'], [1111111109, '07081804'], [1234567890, '89005924'], [20000000000, '65353130']];
  for (const [t, want] of vectors) {
    const got = hotp(key, Math.floor(t / TOTP_PERIOD_S), 8);
    if (got !== want) throw new Error(`TOTP self-test failed at T=${t}: got ${got}, want ${want}`);
  }
}

module.exports = { TOTP_PERIOD_S, base32Decode, hotp, totpStep, selfTestTOTP };
