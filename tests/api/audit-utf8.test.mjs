// Client-supplied bytes that are not valid UTF-8 must not make the audit log
// unreadable. Each test has its own server, because a failure poisons the log.
//
// The server refuses query parameters and X-Purpose/X-Case-No values that
// are not UTF-8 (400 invalid_encoding), cuts logged fields at character
// boundaries, and the audit log replaces any ill-formed byte that still
// reaches it, so the log stays readable and verifiable on both backends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectError, startServer } from './lib/server.mjs';

async function withServer(fn) {
  const s = await startServer({
    users: [
      { username: 'inspector', roles: ['inspector'] },
      { username: 'investigator', roles: ['investigator'] },
    ],
  });
  try {
    await fn(s, await s.login('inspector'), await s.login('investigator'));
  } finally {
    await s.stop();
  }
}

async function logStillReadable(s, insp) {
  const r = await s.req('GET', '/api/v1/audit?page_size=500', { token: insp });
  assert.equal(r.status, 200, `GET /api/v1/audit after the bad bytes: ${r.status} ${r.text}`);
  const v = await s.req('GET', '/api/v1/audit/verify', { token: insp });
  assert.equal(v.status, 200);
  assert.equal(v.json.ok, true);
  return r.json;
}

test('a reference with an invalid UTF-8 byte → 400 invalid_encoding, and the log stays readable', async () => {
  await withServer(async (s, insp, inv) => {
    const r = await s.req('GET', '/api/v1/identity/parse?ref=%FF', { token: inv, headers: { 'X-Purpose': '核查' } });
    expectError(r, 400, 'invalid_encoding');
    const log = await logStillReadable(s, insp);
    assert.ok(!log.items.some((e) => e.action === 'identity.parse'), 'a request refused at the door reads nothing');
  });
});

test('an X-Purpose that is not UTF-8 does not break the log', async () => {
  await withServer(async (s, insp, inv) => {
    const r = await s.req('GET', '/api/v1/identity/parse?ref=ID:460100199001011230',
      { token: inv, headers: { 'X-Purpose': '\u00ff' } });  // sent as the single byte 0xFF
    assert.notEqual(r.status, 500, r.text);
    await logStillReadable(s, insp);
  });
});

test('an inspector query with an invalid UTF-8 byte does not break the log', async () => {
  await withServer(async (s, insp) => {
    const r = await s.req('GET', '/api/v1/audit?actor=%FF', { token: insp });
    expectError(r, 400, 'invalid_encoding');
    await logStillReadable(s, insp);
  });
});

test('a long, valid UTF-8 reference cut to 64 bytes for the log does not break it', async () => {
  await withServer(async (s, insp, inv) => {
    // 'PLATE:' + 56 letters is 62 bytes; the first 琼 takes bytes 62-64, so a 64-byte cut splits it.
    const ref = 'PLATE:' + 'A'.repeat(56) + '琼琼琼';
    const r = await s.req('GET', `/api/v1/identity/parse?ref=${encodeURIComponent(ref)}`,
      { token: inv, headers: { 'X-Purpose': '核查' } });
    expectError(r, 422, 'invalid_plate');
    const log = await logStillReadable(s, insp);
    const e = log.items.find((x) => x.action === 'identity.parse');
    assert.ok(e && ref.startsWith(e.target.replace(/\uFFFD$/, '')), `logged target ${e && e.target}`);
  });
});
