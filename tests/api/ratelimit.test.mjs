// 3. Per-address sign-in rate limit: more than 30 failures a minute → 429.
// Own server: it poisons 127.0.0.1 for a minute (of the test clock).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, auditSince, expectError, lastAuditId, reqFrom, startServer } from './lib/server.mjs';

let s;
let insp;

before(async () => {
  s = await startServer({
    users: [
      { username: 'inspector', roles: ['inspector'] },
      { username: 'dispatcher', roles: ['dispatcher'] },
    ],
  });
  insp = await s.login('inspector');  // before the flood: sign-in will be refused afterwards
});
after(async () => {
  await s?.stop();
});

test('the 31st failed sign-in within a minute from one address is 429 rate_limited', async () => {
  const since = await lastAuditId(s, insp);
  // Unknown names, so that no account locks.
  for (let i = 1; i <= 30; i++) {
    const r = await s.loginRaw(`ghost${i}`, 'wrong-password-x');
    expectError(r, 401, 'invalid_credentials');
  }
  const limited = await s.loginRaw('ghost31', 'wrong-password-x');
  expectError(limited, 429, 'rate_limited');
  // Even the right password of a real user is refused from this address now.
  expectError(await s.loginRaw('dispatcher', PASSWORD), 429, 'rate_limited');

  const failed = await auditSince(s, insp, since, { action: 'auth.login_failed' });
  assert.equal(failed.length, 32);
  assert.equal(failed.filter((e) => e.detail === 'unknown_user' && e.outcome === 'failed').length, 30);
  const rl = failed.filter((e) => e.detail === 'rate_limited');
  assert.equal(rl.length, 2);
  for (const e of rl) {
    assert.equal(e.outcome, 'denied');
    assert.equal(e.client, '127.0.0.1');
  }
  assert.deepEqual(rl.map((e) => e.target), ['ghost31', 'dispatcher']);
  // No session was made and nothing else was logged for the refused attempts.
  assert.equal((await auditSince(s, insp, since, { action: 'auth.login' })).length, 0);
});

test('the limit is per address: another address may still sign in', async () => {
  const r = await reqFrom(s, '127.0.0.2', 'POST', '/api/v1/auth/login',
    { body: { username: 'dispatcher', password: PASSWORD } });
  assert.equal(r.status, 200, r.text);
  const me = await s.req('GET', '/api/v1/auth/me', { token: r.json.token });
  assert.equal(me.status, 200, 'an existing session is not affected by the limit');
});

test('after a minute the address may try again', async () => {
  await s.advance(61);
  const r = await s.loginRaw('dispatcher', PASSWORD);
  assert.equal(r.status, 200, r.text);
});
