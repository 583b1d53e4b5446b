// 7. One error shape everywhere; oversized bodies, unknown routes, wrong
// methods; bad input costs nothing (no user, no audit entry).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditQuery, expectError, httpRequest, startServer } from './lib/server.mjs';

let s;
let admin;
let insp;

before(async () => {
  s = await startServer();
  admin = await s.login('admin');
  insp = await s.login('inspector');
});
after(async () => {
  await s?.stop();
});

// A 9 MiB body; the server may answer 413 before reading it all and then
// close the connection, so a write error after the answer is acceptable.
async function oversized(path, headers = {}) {
  const body = Buffer.alloc(9 * 1024 * 1024, 'a');
  try {
    return await httpRequest(s.port, 'POST', path, { 'Content-Type': 'application/json', ...headers }, body);
  } catch (e) {
    assert.fail(`the oversized request got no answer: ${e.code || e.message}`);
  }
}

test('a body over 8 MiB → 413 payload_too_large in the JSON error shape', async () => {
  const r = await oversized('/api/v1/auth/login');
  expectError(r, 413, 'payload_too_large');
  assert.match(r.json.error.message, /8388608/);
  // Also on an authenticated route, with a valid token.
  expectError(await oversized('/api/v1/users', { Authorization: `Bearer ${admin}` }), 413, 'payload_too_large');
  // The server is fine afterwards.
  assert.equal((await s.req('GET', '/healthz')).status, 200);
});

test('a body just under the limit is read (and then judged on its content)', async () => {
  const pad = 'x'.repeat(8 * 1024 * 1024 - 200);
  const r = await s.req('POST', '/api/v1/auth/login', { body: { username: 'nobody', password: 'x', pad } });
  // Not 413: the body is read and the login fails normally.
  expectError(r, 401, 'invalid_credentials');
});

test('unknown route → 404 not_found', async () => {
  for (const p of ['/api/v1/nope', '/api/v1/users/abc', '/api/v2/users', '/api/v1/identity']) {
    const r = await s.req('GET', p, { token: admin });
    expectError(r, 404, 'not_found');
  }
  // Also without a token: 404 (the route does not exist), not 401.
  expectError(await s.req('GET', '/api/v1/nope'), 404, 'not_found');
});

test('wrong method → 405 method_not_allowed with an Allow header', async () => {
  const r = await s.req('DELETE', '/api/v1/audit', { token: insp });
  expectError(r, 405, 'method_not_allowed');
  assert.equal(r.headers.allow, 'GET');
  const login = await s.req('GET', '/api/v1/auth/login');
  expectError(login, 405, 'method_not_allowed');
  assert.equal(login.headers.allow, 'POST');
  const users = await s.req('PUT', '/api/v1/users', { token: admin, body: {} });
  expectError(users, 405, 'method_not_allowed');
  assert.deepEqual(users.headers.allow.split(', ').sort(), ['GET', 'POST']);
  const user = await s.req('DELETE', '/api/v1/users/1', { token: admin });
  expectError(user, 405, 'method_not_allowed');
  assert.equal(user.headers.allow, 'PATCH');
});

test('every answer carries X-Request-Id, errors and successes alike, each one different', async () => {
  const ids = new Set();
  const answers = [
    await s.req('GET', '/healthz'),
    await s.req('GET', '/api/v1/auth/me', { token: admin }),
    await s.req('GET', '/api/v1/auth/me'),
    await s.req('GET', '/api/v1/nope'),
    await s.req('DELETE', '/api/v1/audit'),
    await s.req('POST', '/api/v1/auth/login', { rawBody: '{' }),
    await s.req('GET', '/api/v1/audit', { token: admin }),
  ];
  for (const r of answers) {
    assert.match(r.headers['x-request-id'] || '', /^[0-9a-f]{16}$/, `X-Request-Id on ${r.status}`);
    ids.add(r.headers['x-request-id']);
  }
  assert.equal(ids.size, answers.length);
  expectError(answers[2], 401, 'unauthenticated');
  expectError(answers[5], 400, 'malformed_json');
  expectError(answers[6], 403, 'permission_denied');
});

test('malformed JSON to an authenticated endpoint → 400 malformed_json', async () => {
  expectError(await s.req('POST', '/api/v1/users', { token: admin, rawBody: '{"username": ' }), 400,
    'malformed_json');
  expectError(await s.req('PATCH', '/api/v1/users/3', { token: admin, rawBody: '[]' }), 400, 'malformed_json');
  expectError(await s.req('POST', '/api/v1/auth/password', { token: admin, rawBody: 'nope' }), 400,
    'malformed_json');
  expectError(await s.req('GET', '/api/v1/audit?page_size=0', { token: insp }), 422, 'validation_failed');
  expectError(await s.req('GET', '/api/v1/audit?page_size=501', { token: insp }), 422, 'validation_failed');
  expectError(await s.req('GET', '/api/v1/audit?page=x', { token: insp }), 422, 'validation_failed');
});

test('bad input costs nothing: no user created, no audit entry, the chain still verifies', async () => {
  const usersBefore = (await s.req('GET', '/api/v1/users', { token: admin })).json.total;
  const before = await auditQuery(s, insp, { page_size: 1 });
  const head = before.items[0].id;  // this read wrote entry head + 1

  await oversized('/api/v1/users', { Authorization: `Bearer ${admin}` });
  await oversized('/api/v1/auth/login');
  await s.req('POST', '/api/v1/users', { token: admin, rawBody: '{"username": "x", ' });
  await s.req('POST', '/api/v1/users', { token: admin, rawBody: '"just a string"' });
  await s.req('POST', '/api/v1/auth/login', { rawBody: 'not json' });
  await s.req('POST', '/api/v1/auth/login', { body: { username: 'admin' } });
  await s.req('GET', '/api/v1/nope', { token: admin });
  await s.req('DELETE', '/api/v1/users/2', { token: admin });
  await s.req('GET', '/api/v1/auth/me', { token: 'forged' });

  const usersAfter = (await s.req('GET', '/api/v1/users', { token: admin })).json;
  assert.equal(usersAfter.total, usersBefore);
  assert.equal(usersAfter.items.length, usersBefore);
  const after = await auditQuery(s, insp, { page_size: 2 });
  assert.equal(after.items[0].id, head + 1, 'nothing was logged since the previous read');
  assert.equal(after.items[0].action, 'audit.read');
  assert.equal(after.total, before.total + 1);
  const v = await s.req('GET', '/api/v1/audit/verify', { token: insp });
  assert.equal(v.status, 200);
  assert.equal(v.json.ok, true);
  assert.equal(v.json.checked, head + 2, 'verify checks every entry, including both reads');
});

test('without --test-clock there is no clock endpoint', async () => {
  const prod = await startServer({ testClock: false, users: [] });
  try {
    const r = await prod.req('POST', '/api/v1/_test/clock', { body: { advance_seconds: 3600 } });
    expectError(r, 404, 'not_found');
  } finally {
    await prod.stop();
  }
  // With it, the endpoint validates its input.
  expectError(await s.req('POST', '/api/v1/_test/clock', { body: { advance_seconds: 'x' } }), 422, 'validation_failed');
});
