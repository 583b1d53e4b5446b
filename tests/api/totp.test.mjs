// 11. TOTP second factor: enrol, confirm, sign in with codes, reuse refused.
// Codes are computed here (RFC 6238) from the server's clock.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, auditSince, expectAudit, expectError, lastAuditId, serverTime, startServer } from './lib/server.mjs';
import { base32Decode, totpAt, wrongCode } from './lib/totp.mjs';

let s;
let insp;
let token;
let secret;
let confirmCode;

before(async () => {
  s = await startServer({
    users: [
      { username: 'inspector', roles: ['inspector'] },
      { username: 'officer', roles: ['dispatcher'] },
    ],
  });
  insp = await s.login('inspector');
  token = await s.login('officer');
});
after(async () => {
  await s?.stop();
});

// The current code by the server's clock.
async function code() {
  return totpAt(secret, await serverTime(s, insp));
}

const login = (totp, password = PASSWORD) => s.loginRaw('officer', password, totp);

test('enrol: a base32 secret and an otpauth:// URI; not active until confirmed', async () => {
  const since = await lastAuditId(s, insp);
  const r = await s.req('POST', '/api/v1/auth/totp/enroll', { token });
  assert.equal(r.status, 200, r.text);
  secret = r.json.secret;
  assert.match(secret, /^[A-Z2-7]{32}$/, '160-bit secret in base32');
  assert.equal(base32Decode(secret).length, 20);
  assert.ok(r.json.otpauth_uri.startsWith('otpauth://totp/'), r.json.otpauth_uri);
  const uri = new URL(r.json.otpauth_uri);
  assert.equal(uri.searchParams.get('secret'), secret);
  assert.equal(uri.searchParams.get('issuer'), 'jingwu');
  assert.equal(uri.searchParams.get('period'), '30');
  assert.equal(uri.searchParams.get('digits'), '6');
  assert.match(decodeURIComponent(uri.pathname), /officer/);
  // Not active yet: password alone still signs in.
  const me = await s.req('GET', '/api/v1/auth/me', { token });
  assert.equal(me.json.totp_enabled, false);
  assert.equal((await login()).status, 200);
  await expectAudit(s, insp, since, { action: 'auth.totp_enroll', actor: 'officer', target: 'officer', outcome: 'ok' });
});

test('confirm: a wrong code → 422 invalid_totp; the right one → 204 and the factor is on', async () => {
  const since = await lastAuditId(s, insp);
  const now = await serverTime(s, insp);
  expectError(await s.req('POST', '/api/v1/auth/totp/confirm', { token, body: { code: wrongCode(secret, now) } }),
    422, 'invalid_totp');
  expectError(await s.req('POST', '/api/v1/auth/totp/confirm', { token, body: { code: '12345' } }), 422,
    'invalid_totp');
  expectError(await s.req('POST', '/api/v1/auth/totp/confirm', { token, body: {} }), 422, 'validation_failed');
  assert.equal((await s.req('GET', '/api/v1/auth/me', { token })).json.totp_enabled, false);

  confirmCode = await code();
  const r = await s.req('POST', '/api/v1/auth/totp/confirm', { token, body: { code: confirmCode } });
  assert.equal(r.status, 204, r.text);
  assert.equal((await s.req('GET', '/api/v1/auth/me', { token })).json.totp_enabled, true);
  const entries = await auditSince(s, insp, since, { action: 'auth.totp_confirm', actor: 'officer' });
  assert.deepEqual(entries.map((e) => [e.outcome, e.detail]), [['failed', 'invalid_totp'], ['failed', 'invalid_totp'],
    ['ok', '']]);
  // Once on, enrolling or confirming again is a conflict.
  expectError(await s.req('POST', '/api/v1/auth/totp/enroll', { token }), 409, 'totp_already_enabled');
  expectError(await s.req('POST', '/api/v1/auth/totp/confirm', { token, body: { code: confirmCode } }), 409,
    'totp_already_enabled');
});

test('sign-in: no code → 401 totp_required; wrong code → 401 invalid_totp', async () => {
  const since = await lastAuditId(s, insp);
  expectError(await login(), 401, 'totp_required');
  expectError(await login(''), 401, 'totp_required');
  expectError(await login(wrongCode(secret, await serverTime(s, insp))), 401, 'invalid_totp');
  // The code used to confirm is spent: it cannot sign in.
  expectError(await login(confirmCode), 401, 'invalid_totp');
  const failed = await auditSince(s, insp, since, { action: 'auth.login_failed', actor: 'officer' });
  assert.deepEqual(failed.map((e) => [e.outcome, e.detail]), [
    ['failed', 'totp_required'], ['failed', 'totp_required'], ['failed', 'invalid_totp'], ['failed', 'invalid_totp'],
  ]);
  // A right code with a wrong password does not sign in and does not reveal that the code was right.
  await s.advance(30);
  expectError(await login(await code(), 'not-the-password'), 401, 'invalid_credentials');
});

test('sign-in with the right code → 200; the same code again → 401 invalid_totp (reuse refused)', async () => {
  await s.advance(30);
  const since = await lastAuditId(s, insp);
  const c = await code();
  const r = await login(c);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.user.totp_enabled, true);
  await expectAudit(s, insp, since, {
    action: 'auth.login', actor: 'officer', outcome: 'ok', detail: 'with second factor', target: 'officer',
  });
  expectError(await login(c), 401, 'invalid_totp');

  // 30 s later there is a fresh code, and it works once.
  await s.advance(30);
  const c2 = await code();
  assert.notEqual(c2, c);
  assert.equal((await login(c2)).status, 200);
  expectError(await login(c2), 401, 'invalid_totp');
  // A code from two steps back is outside the ±1 step window.
  await s.advance(30);
  const now = await serverTime(s, insp);
  const old = totpAt(secret, now - 60);
  if (old !== totpAt(secret, now) && old !== totpAt(secret, now + 30) && old !== totpAt(secret, now - 30)) {
    expectError(await login(old), 401, 'invalid_totp');
  }
});

test('the same code sent in parallel signs in exactly once', async () => {
  // A clean start: one successful sign-in resets the failure counter (lockout).
  await s.advance(30);
  assert.equal((await login(await code())).status, 200);
  await s.advance(30);
  const c = await code();
  const answers = await Promise.all([1, 2, 3, 4].map(() => login(c)));
  const ok = answers.filter((r) => r.status === 200);
  assert.equal(ok.length, 1, `statuses ${answers.map((r) => r.status)}`);
  for (const r of answers.filter((x) => x.status !== 200)) expectError(r, 401, 'invalid_totp');
});
