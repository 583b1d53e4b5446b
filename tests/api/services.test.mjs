// Online service hall (警民通): citizen accounts kept apart from staff, the
// workflow over HTTP (documents to follow, approval, rating), citizen
// isolation, upload refusals that store nothing, termination by the clock,
// the public catalogue and figures (docs/api.md "Services").
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { expectError, startServer } from './lib/server.mjs';

let s;
let clerk;
let admin;
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR....')]);

// A valid GB 11643 number (ISO 7064 MOD 11-2 check character).
function idNumber(seq) {
  const body = `46010619980512${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((a, c, i) => a + Number(c) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

async function citizen(phone, seq) {
  const reg = await s.req('POST', '/api/v1/citizen/register', {
    body: { phone, password: 'citizen-pass-1', id_number: idNumber(seq), name: '王小明' },
  });
  assert.equal(reg.status, 201, reg.text);
  const login = await s.req('POST', '/api/v1/citizen/login', { body: { phone, password: 'citizen-pass-1' } });
  assert.equal(login.status, 200, login.text);
  assert.match(login.json.token, /^cz_/);
  return { token: login.json.token, idNumber: idNumber(seq), id: login.json.citizen.id };
}

const upload = (c, id, material, buf, type) =>
  s.req('POST', `/api/v1/citizen/applications/${id}/materials/${material}?filename=${material}`, {
    token: c.token, rawBody: buf, headers: { 'Content-Type': type },
  });
const staff = (id, action, body = {}, token = clerk) =>
  s.req('POST', `/api/v1/services/applications/${id}/${action}`, { token, body });

async function talent(c, withPhoto = false) {
  const r = await s.req('POST', '/api/v1/citizen/applications', {
    token: c.token,
    body: {
      item_code: 'HZ001', channel: 'online',
      form: { name: '王小明', id_number: c.idNumber, phone: '13800138001', education: 'master', graduated_on: '2026-06-30' },
    },
  });
  assert.equal(r.status, 201, r.text);
  for (const m of ['id_card', 'hukou_booklet', 'diploma']) assert.equal((await upload(c, r.json.id, m, PDF, 'application/pdf')).status, 201);
  if (withPhoto) assert.equal((await upload(c, r.json.id, 'photo', PNG, 'image/png')).status, 201);
  return r.json.id;
}

let alice;
let bob;
before(async () => {
  s = await startServer({
    users: [
      { username: 'clerk', roles: ['service_clerk'] },
      { username: 'admin', roles: ['admin'] },
      { username: 'investigator', roles: ['investigator'] },
    ],
    config: { services: { upload_max_bytes: 2048 } },
  });
  clerk = await s.login('clerk');
  admin = await s.login('admin');
  alice = await citizen('13800138001', 1);
  bob = await citizen('13800138002', 2);
});
after(async () => {
  await s?.stop();
});

test('the public catalogue has at least 30 items and needs no login', async () => {
  const r = await s.req('GET', '/api/v1/services/items');
  assert.equal(r.status, 200);
  assert.ok(r.json.total >= 30, `items: ${r.json.total}`);
  const hz = r.json.items.find((i) => i.code === 'HZ001');
  assert.equal(hz.name_zh, '人才落户');
  assert.equal(hz.promised_days, 5);
  assert.equal(hz.materials.find((m) => m.code === 'photo').key, false);
  expectError(await s.req('GET', '/api/v1/services/items/NOPE1'), 404, 'unknown_item');
});

test('registration checks the ID number; citizens and staff tokens do not cross', async () => {
  const good = idNumber(11);
  const wrongCheck = good.slice(0, 17) + (good[17] === '1' ? '2' : '1');
  const bad = await s.req('POST', '/api/v1/citizen/register', {
    body: { phone: '13900139009', password: 'citizen-pass-1', id_number: wrongCheck, name: '李四' },
  });
  expectError(bad, 422, 'invalid_id_number');
  expectError(await s.req('POST', '/api/v1/citizen/register', {
    body: { phone: '13800138001', password: 'citizen-pass-1', id_number: idNumber(9), name: '李四' },
  }), 409, 'registration_refused');
  // A citizen token opens no staff endpoint; a staff token no citizen one.
  expectError(await s.req('GET', '/api/v1/services/applications', { token: alice.token }), 401, 'unauthenticated');
  expectError(await s.req('GET', '/api/v1/citizen/applications', { token: clerk }), 401, 'unauthenticated');
  // Staff without services.handle are refused.
  const inv = await s.login('investigator');
  expectError(await s.req('GET', '/api/v1/services/applications', { token: inv }), 403, 'permission_denied');
});

test('documents to follow, approval, result and rating over HTTP', async () => {
  const id = await talent(alice);
  expectError(await staff(id, 'accept'), 409, 'materials_missing');
  expectError(await staff(id, 'accept', { owed: ['diploma'], follow_days: 3 }), 422, 'material_present');
  expectError(await staff(id, 'accept', { owed: ['photo'], follow_days: 9 }), 422, 'follow_deadline_too_long');
  let r = await staff(id, 'accept', { owed: ['photo'], follow_days: 5 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'accepted_pending');
  assert.deepEqual(r.json.owed, ['photo']);
  assert.ok(r.json.follow_deadline_day);
  r = await upload(alice, id, 'photo', PNG, 'image/png');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.state, 'accepted');
  assert.deepEqual(r.json.owed, []);
  expectError(await staff(id, 'approve'), 409, 'review_required');
  assert.equal((await staff(id, 'review')).json.state, 'under_review');
  expectError(await staff(id, 'reject', { reason: '' }), 422, 'reason_required');
  r = await staff(id, 'approve', { note: '符合人才落户条件' });
  assert.equal(r.json.state, 'approved');
  expectError(await staff(id, 'approve'), 409, 'invalid_transition');
  r = await s.req('GET', `/api/v1/citizen/applications/${id}`, { token: alice.token });
  assert.equal(r.json.state, 'approved');
  assert.deepEqual(r.json.steps.map((x) => x.action),
    ['submit', 'upload', 'upload', 'upload', 'accept_pending', 'upload', 'review', 'approve']);
  expectError(await s.req('POST', `/api/v1/citizen/applications/${id}/rating`, { token: alice.token, body: { level: 9 } }),
    422, 'invalid_rating');
  r = await s.req('POST', `/api/v1/citizen/applications/${id}/rating`, { token: alice.token, body: { level: 2, comment: '太慢' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.rating.follow_up, true);
  assert.ok(r.json.rating.follow_up_due);
  r = await staff(id, 'follow-up', { note: '已回访' });
  assert.ok(r.json.rating.follow_up_closed_at);
  // Staff detail reads are personal data: a purpose is required.
  expectError(await s.req('GET', `/api/v1/services/applications/${id}`, { token: clerk }), 400, 'purpose_required');
  r = await s.req('GET', `/api/v1/services/applications/${id}`, { token: clerk, headers: { 'X-Purpose': '审批' } });
  assert.equal(r.status, 200);
  assert.equal(r.json.form.id_number, alice.idNumber);
});

test('a citizen cannot read, upload to or rate another citizen\'s application', async () => {
  const id = await talent(alice);
  expectError(await s.req('GET', `/api/v1/citizen/applications/${id}`, { token: bob.token }), 404, 'not_found');
  expectError(await upload(bob, id, 'photo', PNG, 'image/png'), 404, 'not_found');
  expectError(await s.req('POST', `/api/v1/citizen/applications/${id}/rating`, { token: bob.token, body: { level: 1 } }),
    404, 'not_found');
  const mine = await s.req('GET', '/api/v1/citizen/applications', { token: bob.token });
  assert.equal(mine.json.total, 0);
});

test('refused uploads return specific errors and store nothing', async () => {
  const id = await talent(alice);
  const dir = path.join(s.dataDir, 'uploads');
  const count = () => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).filter((f) => /^[0-9a-f]{64}$/.test(path.basename(String(f)))).length : 0);
  const before = count();
  expectError(await upload(alice, id, 'photo', Buffer.alloc(4096, 1), 'image/png'), 413, 'upload_too_large');
  expectError(await upload(alice, id, 'photo', Buffer.from('MZ\x90\x00'), 'application/x-msdownload'), 422, 'upload_type_not_allowed');
  expectError(await upload(alice, id, 'photo', Buffer.from('<html>'), 'image/png'), 422, 'upload_content_mismatch');
  expectError(await upload(alice, id, 'nothing_such', PDF, 'application/pdf'), 422, 'unknown_material');
  assert.equal(count(), before);
  const r = await s.req('GET', `/api/v1/citizen/applications/${id}`, { token: alice.token });
  assert.equal(r.json.uploads.filter((u) => u.material === 'photo').length, 0);
});

test('documents not supplied by the deadline: terminated by the clock', async () => {
  const id = await talent(alice);
  assert.equal((await staff(id, 'accept', { owed: ['photo'], follow_days: 1 })).json.state, 'accepted_pending');
  await s.advance(12 * 86400);  // well past one working day, whatever today is
  // Sessions have expired meanwhile: sign in again.
  clerk = await s.login('clerk');
  admin = await s.login('admin');
  alice.token = (await s.req('POST', '/api/v1/citizen/login', { body: { phone: '13800138001', password: 'citizen-pass-1' } })).json.token;
  bob.token = (await s.req('POST', '/api/v1/citizen/login', { body: { phone: '13800138002', password: 'citizen-pass-1' } })).json.token;
  const r = await s.req('POST', '/api/v1/services/clocks/check', { token: clerk });
  assert.equal(r.status, 200);
  assert.ok(r.json.changes >= 1);
  const a = await s.req('GET', `/api/v1/citizen/applications/${id}`, { token: alice.token });
  assert.equal(a.json.state, 'terminated');
  assert.equal(a.json.reason, 'documents_not_supplied');
});

test('a clerk assigned to a department sees only its cases', async () => {
  const put = await s.req('PUT', '/api/v1/services/staff/clerk', { token: admin, body: { department: 'traffic' } });
  assert.equal(put.status, 200, put.text);
  const q = await s.req('GET', '/api/v1/services/applications?state=all', { token: clerk });
  assert.equal(q.json.total, 0);
  const any = (await s.req('GET', '/api/v1/citizen/applications', { token: alice.token })).json.items.find((a) => !a.commissioner);
  expectError(await staff(any.id, 'review'), 403, 'not_your_department');
  // As the approval commissioner of its cases the clerk still sees them, in any department.
  const mine = await s.req('GET', '/api/v1/services/applications?state=all&commissioner=me', { token: clerk });
  assert.ok(mine.json.total >= 2);
  assert.ok(mine.json.items.every((a) => a.commissioner === 'clerk'));
  await s.req('PUT', '/api/v1/services/staff/clerk', { token: admin, body: { department: '' } });
  const all = await s.req('GET', '/api/v1/services/applications?state=all', { token: clerk });
  assert.ok(all.json.total >= 4);
  assert.equal(all.json.items[0].form, undefined);  // the queue carries no form data
});

test('metrics: staff see every figure, the public page suppresses small cells', async () => {
  await talent(alice);  // the fifth HZ001 application
  const r = await s.req('GET', '/api/v1/services/metrics?from=2026-01-01&to=2027-12-31', { token: clerk });
  assert.equal(r.status, 200, r.text);
  const hz = r.json.items.find((i) => i.item_code === 'HZ001');
  assert.equal(hz.total, r.json.all.total);
  assert.equal(hz.by_channel.online, hz.total);
  assert.equal(hz.digital_take_up, 1);
  assert.equal(hz.ratings, 1);
  assert.equal(hz.bad_rating_rate, 1);
  assert.equal(hz.approved, 1);
  assert.equal(hz.terminated, 1);
  const pub = await s.req('GET', '/api/v1/public/services/metrics?from=2026-01-01&to=2027-12-31');
  assert.equal(pub.status, 200);
  const phz = pub.json.items.find((i) => i.item_code === 'HZ001');
  assert.equal(phz.total, hz.total);  // 5 or more applications: shown
  assert.equal(phz.ratings, null);    // one rating: suppressed
  const cr = pub.json.items.find((i) => i.item_code === 'CR001');
  assert.equal(cr.suppressed, true);
  expectError(await s.req('GET', '/api/v1/public/services/metrics?from=2026-13-01'), 422, 'invalid_date');
});

test('parallel approval over HTTP: all must approve (CR008), any may approve (CR010)', async () => {
  const mk = async (item, form) => {
    const r = await s.req('POST', '/api/v1/citizen/applications', { token: bob.token, body: { item_code: item, channel: 'online', form } });
    assert.equal(r.status, 201, r.text);
    const def = (await s.req('GET', `/api/v1/services/items/${item}`)).json;
    for (const m of def.materials) assert.equal((await upload(bob, r.json.id, m.code, PDF, 'application/pdf')).status, 201);
    assert.equal((await staff(r.json.id, 'accept')).json.state, 'accepted');
    assert.equal((await staff(r.json.id, 'review')).json.state, 'under_review');
    return r.json.id;
  };
  const foreigner = { name: 'Ivan Petrov', passport_no: 'RUS/751234567', phone: '13800138002' };
  const all = await mk('CR008', { ...foreigner, employer: '海南大学' });
  expectError(await staff(all, 'approve'), 409, 'department_decisions_required');
  let r = await staff(all, 'department-decision', { department: 'exit_entry', decision: 'approved' });
  assert.equal(r.json.state, 'under_review');
  expectError(await staff(all, 'department-decision', { department: 'exit_entry', decision: 'approved' }), 409, 'already_decided');
  r = await staff(all, 'department-decision', { department: 'labour', decision: 'approved' });
  assert.equal(r.json.state, 'approved');
  const any = await mk('CR010', foreigner);
  r = await staff(any, 'department-decision', { department: 'public_order', decision: 'rejected', reason: '住宿登记不符' });
  assert.equal(r.json.state, 'under_review');
  r = await staff(any, 'department-decision', { department: 'exit_entry', decision: 'approved' });
  assert.equal(r.json.state, 'approved');
  expectError(await staff(any, 'department-decision', { department: 'traffic', decision: 'approved' }), 409, 'invalid_transition');
});

test('commitment path: approved on acceptance, then drawn for verification', async () => {
  const r = await s.req('POST', '/api/v1/citizen/applications', {
    token: bob.token,
    body: {
      item_code: 'HZ001', channel: 'online', commitment: true,
      form: { name: '王小明', id_number: bob.idNumber, phone: '13800138002', education: 'doctor', graduated_on: '2026-06-30' },
    },
  });
  assert.equal(r.status, 201, r.text);
  for (const m of ['id_card', 'hukou_booklet', 'diploma', 'photo']) await upload(bob, r.json.id, m, PDF, 'application/pdf');
  await staff(r.json.id, 'accept');
  const ok = await staff(r.json.id, 'approve', { note: '承诺办' });
  assert.equal(ok.json.state, 'approved');
  assert.equal(ok.json.decided_working_days, 0);
  const drawn = await s.req('POST', '/api/v1/services/verification/draw', { token: clerk });
  assert.deepEqual(drawn.json.drawn, [r.json.id]);  // ceil(10% of 1) = 1
  expectError(await staff(r.json.id, 'verify', { result: 'maybe' }), 422, 'invalid_result');
  assert.equal((await staff(r.json.id, 'verify', { result: 'confirmed' })).json.verification, 'confirmed');
  expectError(await s.req('POST', '/api/v1/citizen/applications', {
    token: bob.token, body: { item_code: 'HZ002', channel: 'online', commitment: true, form: {} },
  }), 422, 'commitment_not_offered');
});
