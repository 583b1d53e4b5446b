// 1. Sign-in: success, wrong password, unknown user, bad bodies; audit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, expectAudit, expectError, lastAuditId, serverTime, startServer } from './lib/server.mjs';

let s;
let insp;

before(async () => {
  s = await startServer();
  insp = await s.login('inspector');
});
after(async () => {
  await s?.stop();
});

test('login ok returns a token, its expiry and the user with roles and permissions', async () => {
  const since = await lastAuditId(s, insp);
  const r = await s.loginRaw('dispatcher', PASSWORD);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers['x-request-id'], /^[0-9a-f]{16}$/);
  const { token, expires_at: expiresAt, user } = r.json;
  assert.deepEqual(Object.keys(r.json).sort(), ['expires_at', 'token', 'user']);
  // 32 random bytes, base64url without padding.
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.match(expiresAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
  const now = await serverTime(s, token);
  const ahead = Date.parse(expiresAt) / 1000 - now;
  assert.ok(Math.abs(ahead - 12 * 3600) <= 5, `expires_at is 12 h ahead (got ${ahead} s)`);

  assert.equal(user.username, 'dispatcher');
  assert.equal(user.display_name, 'dispatcher');
  assert.deepEqual(user.roles, ['dispatcher']);
  assert.deepEqual(user.permissions, ['dispatch.read', 'dispatch.write']);
  assert.equal(user.locked, false);
  assert.equal(user.disabled, false);
  assert.equal(user.totp_enabled, false);
  assert.equal(user.totp_enrollment_required, false);
  assert.equal(user.id, 3, 'dispatcher was the third account created');
  assert.equal(typeof user.created_at, 'string');
  assert.equal(typeof user.last_login_at, 'string', 'last_login_at is set by this sign-in');
  assert.deepEqual(Object.keys(user).sort(), ['created_at', 'disabled', 'display_name', 'id', 'last_login_at',
    'locked', 'permissions', 'roles', 'totp_enabled', 'totp_enrollment_required', 'username']);

  // The token works.
  const me = await s.req('GET', '/api/v1/auth/me', { token });
  assert.equal(me.status, 200);
  assert.equal(me.json.username, 'dispatcher');
  assert.deepEqual(me.json.permissions, ['dispatch.read', 'dispatch.write']);

  await expectAudit(s, insp, since, {
    action: 'auth.login', actor: 'dispatcher', role: 'dispatcher', client: '127.0.0.1', target: 'dispatcher',
    outcome: 'ok', purpose: '', case_no: '', detail: '',
  });
});

test('permissions are exactly those of the role (investigator)', async () => {
  const r = await s.loginRaw('investigator');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.user.permissions,
    ['analysis.run', 'cases.read', 'cases.write', 'custody.read', 'entity.merge', 'grassroots.read', 'person.read', 'registry.read', 'stats.read']);
});

test('wrong password and unknown user both answer 401 invalid_credentials with the same message', async () => {
  const since = await lastAuditId(s, insp);
  const wrong = await s.loginRaw('dispatcher', 'not-the-password-1');
  expectError(wrong, 401, 'invalid_credentials');
  const unknown = await s.loginRaw('nobody-here', 'not-the-password-1');
  expectError(unknown, 401, 'invalid_credentials');
  assert.equal(wrong.json.error.message, unknown.json.error.message, 'the answer does not reveal which names exist');
  // No token in a failure.
  assert.equal(wrong.json.token, undefined);

  await expectAudit(s, insp, since, {
    action: 'auth.login_failed', actor: 'dispatcher', role: 'dispatcher', client: '127.0.0.1', target: 'dispatcher',
    outcome: 'failed', purpose: '', detail: 'wrong_password',
  });
  // For a name with no account the actor is '-' and the typed name is only the target.
  await expectAudit(s, insp, since, {
    action: 'auth.login_failed', actor: '-', target: 'nobody-here', client: '127.0.0.1', outcome: 'failed',
    purpose: '', detail: 'unknown_user',
  });
});

test('a missing or non-string field is 422 validation_failed', async () => {
  const since = await lastAuditId(s, insp);
  expectError(await s.req('POST', '/api/v1/auth/login', { body: { username: 'dispatcher' } }), 422,
    'validation_failed');
  expectError(await s.req('POST', '/api/v1/auth/login', { body: { password: PASSWORD } }), 422,
    'validation_failed');
  expectError(await s.req('POST', '/api/v1/auth/login', { body: { username: 'dispatcher', password: 123 } }), 422,
    'validation_failed');
  expectError(await s.req('POST', '/api/v1/auth/login', { body: {} }), 422, 'validation_failed');
  // Invalid requests are not sign-in attempts: nothing is logged.
  const logged = await s.req('GET', `/api/v1/audit?action=auth.login_failed`, { token: insp });
  assert.equal(logged.json.items.filter((e) => e.id > since).length, 0);
});

test('malformed and non-object JSON bodies are 400 malformed_json', async () => {
  for (const raw of ['{"username": "dispatcher", ', 'not json', '', '[1, 2]', '"dispatcher"', '42', 'null']) {
    const r = await s.req('POST', '/api/v1/auth/login', { rawBody: raw });
    expectError(r, 400, 'malformed_json');
  }
});

test('the totp field must be a string when present', async () => {
  expectError(await s.req('POST', '/api/v1/auth/login', {
    body: { username: 'dispatcher', password: PASSWORD, totp: 123456 },
  }), 422, 'validation_failed');
});
