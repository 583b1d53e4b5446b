// 6. Personal data needs a stated purpose and every read is audited.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditSince, expectAudit, expectError, lastAuditId, startServer } from './lib/server.mjs';

let s;
let insp;
let inv;
let disp;
const REF = 'ID:460100199001011230';
const PARSE = `/api/v1/identity/parse?ref=${encodeURIComponent(REF)}`;

before(async () => {
  s = await startServer();
  insp = await s.login('inspector');
  inv = await s.login('investigator');
  disp = await s.login('dispatcher');
});
after(async () => {
  await s?.stop();
});

test('without X-Purpose: 400 purpose_required, nothing returned, nothing read', async () => {
  const since = await lastAuditId(s, insp);
  const r = await s.req('GET', PARSE, { token: inv });
  expectError(r, 400, 'purpose_required');
  assert.ok(!r.text.includes('1990'), 'no personal data in the refusal');
  // Blank purposes count as none.
  expectError(await s.req('GET', PARSE, { token: inv, headers: { 'X-Purpose': '   ' } }), 400, 'purpose_required');
  expectError(await s.req('GET', PARSE + '&purpose=', { token: inv }), 400, 'purpose_required');
  // No data was read, so there is no identity.parse entry.
  assert.equal((await auditSince(s, insp, since, { action: 'identity.parse' })).length, 0);
});

test('with X-Purpose: 案件核查 → 200 with what the number says, audited with the purpose', async () => {
  const since = await lastAuditId(s, insp);
  const r = await s.req('GET', PARSE, { token: inv, headers: { 'X-Purpose': '案件核查' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ref, REF);
  assert.equal(r.json.kind, 'ID');
  assert.equal(r.json.value, '460100199001011230');
  assert.equal(r.json.region_code, '460100');
  assert.equal(r.json.birth_date, '1990-01-01');
  assert.equal(r.json.sex, 'M', 'the 17th digit 3 is odd: male');
  assert.equal(typeof r.json.region_name, 'string');
  await expectAudit(s, insp, since, {
    action: 'identity.parse', actor: 'investigator', role: 'investigator', client: '127.0.0.1', target: REF,
    purpose: '案件核查', case_no: '', outcome: 'ok', detail: '',
  });
});

test('the purpose may also come as a query parameter (for browsers: headers are Latin-1 only)', async () => {
  const since = await lastAuditId(s, insp);
  const r = await s.req('GET', `${PARSE}&purpose=${encodeURIComponent('线索研判')}`, { token: inv });
  assert.equal(r.status, 200, r.text);
  await expectAudit(s, insp, since, { action: 'identity.parse', actor: 'investigator', purpose: '线索研判', target: REF });
});

test('the reference is normalised before it is logged (full-width digits and colon)', async () => {
  const since = await lastAuditId(s, insp);
  // Full-width digits and colon, as typed with a Chinese input method.
  const fw = 'ID：４６０１００１９９００１０１１２３０';
  const r = await s.req('GET', `/api/v1/identity/parse?ref=${encodeURIComponent(fw)}`,
    { token: inv, headers: { 'X-Purpose': '案件核查' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ref, REF);
  await expectAudit(s, insp, since, { action: 'identity.parse', actor: 'investigator', target: REF });
});

test('a wrong check character → 422 invalid_id_number, and the attempt is audited as failed', async () => {
  const since = await lastAuditId(s, insp);
  const bad = 'ID:460100199001011234';
  const r = await s.req('GET', `/api/v1/identity/parse?ref=${encodeURIComponent(bad)}`,
    { token: inv, headers: { 'X-Purpose': '案件核查' } });
  expectError(r, 422, 'invalid_id_number');
  await expectAudit(s, insp, since, {
    action: 'identity.parse', actor: 'investigator', target: bad, purpose: '案件核查', outcome: 'failed',
    detail: 'invalid_id_number',
  });
});

test('other malformed references → 422 with their codes; a missing ref → 422 validation_failed', async () => {
  const cases = [
    ['PLATE:ABC', 'invalid_plate'],
    ['PHONE:123', 'invalid_phone'],
    ['PASSPORT:XX', 'invalid_passport'],
    ['nonsense', 'invalid_reference'],
  ];
  for (const [ref, code] of cases) {
    const r = await s.req('GET', `/api/v1/identity/parse?ref=${encodeURIComponent(ref)}`,
      { token: inv, headers: { 'X-Purpose': '案件核查' } });
    expectError(r, 422, code);
  }
  expectError(await s.req('GET', '/api/v1/identity/parse', { token: inv, headers: { 'X-Purpose': '案件核查' } }),
    422, 'validation_failed');
});

test('a dispatcher (no person.read) → 403 permission_denied, even with a purpose', async () => {
  const since = await lastAuditId(s, insp);
  const r = await s.req('GET', PARSE, { token: disp, headers: { 'X-Purpose': '案件核查' } });
  expectError(r, 403, 'permission_denied');
  await expectAudit(s, insp, since, {
    action: 'auth.permission_denied', actor: 'dispatcher', target: 'GET /api/v1/identity/parse', outcome: 'denied',
  });
  assert.equal((await auditSince(s, insp, since, { action: 'identity.parse' })).length, 0);
});
