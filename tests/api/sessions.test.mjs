// 4. Sessions: bearer tokens, idle and absolute expiry (test clock), logout.
// The test clock moves by hours here, so every test signs in afresh and the
// inspector signs in just before reading the audit log.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectAudit, expectError, lastAuditId, startServer } from './lib/server.mjs';

let s;

before(async () => {
  s = await startServer({
    users: [
      { username: 'inspector', roles: ['inspector'] },
      { username: 'dispatcher', roles: ['dispatcher'] },
      { username: 'analyst', roles: ['analyst'] },
    ],
  });
});
after(async () => {
  await s?.stop();
});

const me = (token) => s.req('GET', '/api/v1/auth/me', { token });

test('GET /auth/me with a token is the user; without or with a bad token 401 unauthenticated', async () => {
  const token = await s.login('dispatcher');
  const r = await me(token);
  assert.equal(r.status, 200);
  assert.equal(r.json.username, 'dispatcher');
  assert.deepEqual(r.json.roles, ['dispatcher']);
  assert.equal(r.json.totp_enrollment_required, false);

  expectError(await s.req('GET', '/api/v1/auth/me'), 401, 'unauthenticated');
  expectError(await me('garbage-token'), 401, 'unauthenticated');
  expectError(await me(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')), 401, 'unauthenticated');
  expectError(await s.req('GET', '/api/v1/auth/me', { headers: { Authorization: token } }), 401,
    'unauthenticated');
  expectError(await s.req('GET', '/api/v1/auth/me', { headers: { Authorization: 'Bearer ' } }), 401,
    'unauthenticated');
  expectError(await s.req('GET', '/api/v1/auth/me', { headers: { Authorization: `Basic ${token}` } }), 401,
    'unauthenticated');
});

test('idle expiry: activity within 30 minutes keeps the session; 31 idle minutes end it', async () => {
  const token = await s.login('dispatcher');
  await s.advance(29 * 60);
  assert.equal((await me(token)).status, 200, 'after 29 idle minutes');
  await s.advance(29 * 60);
  assert.equal((await me(token)).status, 200, 'the previous call refreshed the idle timer');
  await s.advance(31 * 60);
  const insp = await s.login('inspector');
  const since = await lastAuditId(s, insp);
  expectError(await me(token), 401, 'session_expired');
  // The session is gone: the next call is simply unknown.
  expectError(await me(token), 401, 'unauthenticated');
  await expectAudit(s, insp, since, {
    action: 'auth.session_expired', actor: 'dispatcher', role: 'dispatcher', client: '127.0.0.1',
    target: 'dispatcher', outcome: 'ok', detail: 'idle',
  });
});

test('absolute expiry: an active session ends 12 hours after sign-in', async () => {
  const login = await s.loginRaw('analyst');
  assert.equal(login.status, 200);
  const token = login.json.token;
  const expiresAt = Date.parse(login.json.expires_at);
  let failedAt = null;
  let last = null;
  for (let i = 1; i <= 40; i++) {
    const now = await s.advance(20 * 60);
    last = await me(token);
    if (last.status !== 200) {
      failedAt = { i, now };
      break;
    }
  }
  assert.ok(failedAt, 'the session must end within 40 × 20 minutes');
  // 36 × 20 min = 12 h exactly, plus the real milliseconds the test took: past the limit.
  assert.equal(failedAt.i, 36, `ended after ${failedAt.i} × 20 minutes`);
  assert.ok(Date.parse(failedAt.now) >= expiresAt, 'not before expires_at');
  expectError(last, 401, 'session_expired');
  const insp = await s.login('inspector');
  const entries = (await s.req('GET', '/api/v1/audit?action=auth.session_expired&actor=analyst',
    { token: insp })).json;
  assert.equal(entries.total, 1);
  assert.equal(entries.items[0].detail, 'absolute');
  assert.equal(entries.items[0].target, 'analyst');
});

test('logout: 204, the token stops working, auth.logout is logged', async () => {
  const token = await s.login('dispatcher');
  const other = await s.login('dispatcher');
  const insp = await s.login('inspector');
  const since = await lastAuditId(s, insp);
  const r = await s.req('POST', '/api/v1/auth/logout', { token });
  assert.equal(r.status, 204);
  assert.equal(r.text, '');
  expectError(await me(token), 401, 'unauthenticated');
  expectError(await s.req('POST', '/api/v1/auth/logout', { token }), 401, 'unauthenticated');
  assert.equal((await me(other)).status, 200, 'only this session ended');
  await expectAudit(s, insp, since, {
    action: 'auth.logout', actor: 'dispatcher', role: 'dispatcher', client: '127.0.0.1', target: 'dispatcher',
    outcome: 'ok', detail: '',
  });
  expectError(await s.req('POST', '/api/v1/auth/logout'), 401, 'unauthenticated');
});
