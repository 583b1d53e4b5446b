// 12. A role that requires a second factor: only account endpoints are open
// until the user enrols one.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditQuery, expectError, serverTime, startServer } from './lib/server.mjs';
import { totpAt } from './lib/totp.mjs';

let s;
let token;
let secret;

before(async () => {
  s = await startServer({
    config: { totp_required_roles: ['inspector'] },
    users: [
      { username: 'inspector', roles: ['inspector'] },
      { username: 'dispatcher', roles: ['dispatcher'] },
    ],
  });
});
after(async () => {
  await s?.stop();
});

test('an inspector without TOTP signs in, but only the account endpoints are open', async () => {
  const r = await s.loginRaw('inspector');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.user.totp_enrollment_required, true);
  assert.equal(r.json.user.totp_enabled, false);
  token = r.json.token;
  const audit = await s.req('GET', '/api/v1/audit', { token });
  expectError(audit, 403, 'totp_enrollment_required');
  expectError(await s.req('GET', '/api/v1/audit/verify', { token }), 403, 'totp_enrollment_required');
  const me = await s.req('GET', '/api/v1/auth/me', { token });
  assert.equal(me.status, 200);
  assert.equal(me.json.totp_enrollment_required, true);
  assert.equal((await s.req('GET', '/api/v1/roles', { token })).status, 200);
});

test('other roles are not affected', async () => {
  const r = await s.loginRaw('dispatcher');
  assert.equal(r.status, 200);
  assert.equal(r.json.user.totp_enrollment_required, false);
});

test('after enrolling and confirming, a sign-in with the code opens the audit log', async () => {
  const e = await s.req('POST', '/api/v1/auth/totp/enroll', { token });
  assert.equal(e.status, 200, e.text);
  secret = e.json.secret;
  const c = totpAt(secret, await serverTime(s, token));
  assert.equal((await s.req('POST', '/api/v1/auth/totp/confirm', { token, body: { code: c } })).status, 204);

  await s.advance(30);
  expectError(await s.loginRaw('inspector'), 401, 'totp_required');
  const now = await serverTime(s, token);
  const r = await s.loginRaw('inspector', undefined, totpAt(secret, now));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.user.totp_enrollment_required, false);
  assert.equal(r.json.user.totp_enabled, true);
  const fresh = r.json.token;
  const log = await auditQuery(s, fresh, { action: 'auth.permission_denied' });
  // The two refusals above were logged with their reason.
  assert.equal(log.total, 2);
  assert.deepEqual(log.items.map((x) => [x.actor, x.target, x.outcome, x.detail]), [
    ['inspector', 'GET /api/v1/audit/verify', 'denied', 'totp_enrollment_required'],
    ['inspector', 'GET /api/v1/audit', 'denied', 'totp_enrollment_required'],
  ]);
  const conf = await auditQuery(s, fresh, { action: 'auth.totp_confirm' });
  assert.equal(conf.total, 1);
  assert.equal(conf.items[0].outcome, 'ok');
});
