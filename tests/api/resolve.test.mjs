// Identity resolution through the API on a `small` synthetic city: records
// without an ID number that `jingwu gen` plants (truth.noid_records) are
// merged into their person when name, birth date and phone agree, shown as
// candidates when two of three do; a user merges and undoes with a reason,
// every id stays what it was, errors are specific and change nothing, both
// actions are audited; an upload is resolved by the running server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { genCity, auditSince, expectError, lastAuditId, startServer } from './lib/server.mjs';

let s;
let analyst;
let inspector;
let dispatcher;
let admin;
let commander;
let truth;
let genDir;
const PURPOSE = { 'X-Purpose': '身份研判' };
const CASE = { 'X-Purpose': '身份研判', 'X-Case-No': 'A4601002025000777' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const enc = encodeURIComponent;

const profile = (ref, token = analyst) => s.req('GET', `/api/v1/entities/${enc(ref)}`, { token, headers: PURPOSE });
const merge = (ref, body, token = analyst, headers = PURPOSE) =>
  s.req('POST', `/api/v1/entities/${enc(ref)}/merge`, { token, headers, body });
const unmerge = (ref, body, token = analyst) =>
  s.req('POST', `/api/v1/entities/${enc(ref)}/unmerge`, { token, headers: PURPOSE, body });

before(async () => {
  ({ dir: genDir, truth } = genCity(4, 'jingwu-gen-'));
  s = await startServer({
    users: [
      { username: 'analyst', roles: ['analyst'] },
      { username: 'inspector', roles: ['inspector'] },
      { username: 'dispatcher', roles: ['dispatcher'] },
      { username: 'admin', roles: ['admin'] },
      { username: 'commander', roles: ['commander'] },
    ],
    beforeStart: (cli) => {
      const r = cli(['ingest', '--source', 'all', genDir, '--quiet'], { timeout: 300000 });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const merges = truth.noid_records.filter((x) => x.expect === 'merge').length;
      assert.match(r.stdout, new RegExp(`identity resolution: ${truth.noid_records.length} records without an ID number; ${merges} merged`));
      // Again: nothing more to merge (idempotent).
      const again = cli(['resolve']);
      assert.equal(again.code, 0, again.stderr + again.stdout);
      assert.match(again.stdout, new RegExp(`; 0 merged into a person now, ${merges} before`));
    },
  });
  [analyst, inspector, dispatcher, admin, commander] = await Promise.all(
    ['analyst', 'inspector', 'dispatcher', 'admin', 'commander'].map((u) => s.login(u)));
});
after(async () => {
  await s?.stop();
  fs.rmSync(genDir, { recursive: true, force: true });
});

test('strong matches are merged at ingest; the person carries their events', async () => {
  for (const rec of truth.noid_records.filter((x) => x.expect === 'merge')) {
    const r = await profile(rec.ref);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.entity.kind, 'PERSON');
    assert.equal(r.json.resolution.status, 'merged', rec.ref);
    const into = r.json.resolution.merged_into;
    assert.equal(into.ref, rec.person);
    assert.equal(into.by, 'auto');
    assert.deepEqual(into.evidence.map((m) => [m.field, m.match]), [['name', true], ['birth_date', true], ['phone', true]]);
    const hit = await s.req('GET', `/api/v1/search?q=${enc(rec.ref)}`, { token: analyst, headers: PURPOSE });
    assert.equal(hit.status, 200, hit.text);
    assert.equal(hit.json.kind, 'PERSON');
    assert.equal(hit.json.entities[0].merged_into, rec.person);
    const p = await profile(rec.person);
    assert.equal(p.status, 200);
    assert.equal(p.json.resolution.status, 'person');
    const member = p.json.resolution.members.find((m) => m.ref === rec.ref);
    assert.ok(member, `${rec.person} lists ${rec.ref}`);
    assert.equal(member.events, rec.rows);
    assert.equal(p.json.latest.filter((e) => e.via === rec.ref).length, rec.rows);
    const t = await s.req('GET', `/api/v1/analysis/trajectory?entity=${enc(rec.person)}`, { token: analyst, headers: CASE });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.events.filter((e) => e.via === rec.ref).length, rec.rows);
  }
  for (const rec of truth.noid_records.filter((x) => x.expect !== 'merge')) {
    const r = await profile(rec.ref);
    assert.equal(r.json.resolution.status, 'unresolved', rec.ref);
    if (rec.expect === 'none') assert.deepEqual(r.json.resolution.candidates, []);
  }
});

test('a candidate merged by hand and undone: ids stay, errors change nothing, audited', async () => {
  const rec = truth.noid_records.find((x) => x.expect === 'candidate' && x.differs === 'name');
  const before = await profile(rec.ref);
  assert.equal(before.json.resolution.status, 'unresolved');
  const cand = before.json.resolution.candidates.find((c) => c.ref === rec.person);
  assert.ok(cand, before.text);
  assert.equal(cand.score, 2);
  assert.equal(cand.strong, false);
  assert.equal(cand.kept_apart, false);
  assert.equal(cand.evidence.find((m) => m.field === 'name').match, false);
  const personBefore = await profile(rec.person);
  const personId = personBefore.json.entity.id;
  const recordId = before.json.entity.id;
  assert.ok(personBefore.json.resolution.candidates.some((c) => c.ref === rec.ref), 'the person sees the record');

  // Errors: each specific, none changes anything.
  expectError(await merge(rec.ref, { into: rec.person, reason: ' ' }), 400, 'reason_required');
  expectError(await merge(rec.ref, { into: rec.person, reason: 'x' }, dispatcher), 403, 'permission_denied');
  expectError(await merge(rec.ref, { into: rec.person, reason: 'x' }, analyst, {}), 400, 'purpose_required');
  const phone = rec.ref.split('/').at(-1);
  expectError(await merge(rec.ref, { into: `PHONE:${phone}`, reason: 'x' }), 409, 'not_mergeable');
  expectError(await merge(rec.person, { into: rec.ref, reason: 'x' }), 409, 'not_mergeable');
  expectError(await merge(rec.ref, { into: 'ID:11010119900307001X', reason: 'x' }), 422, 'invalid_id_number');
  expectError(await merge(rec.ref, { reason: 'x' }), 422, 'invalid_value');
  expectError(await merge('PERSON:无此人/19900101/13000000000', { into: rec.person, reason: 'x' }), 404, 'unknown_entity');
  expectError(await unmerge(rec.ref, { reason: 'x' }), 409, 'not_merged');
  assert.equal((await profile(rec.ref)).json.resolution.status, 'unresolved');

  const since = await lastAuditId(s, inspector);
  const m = await merge(rec.ref, { into: rec.person, reason: '核实：登记时姓名笔误' });
  assert.equal(m.status, 200, m.text);
  assert.equal(m.json.resolution.status, 'merged');
  assert.equal(m.json.resolution.merged_into.ref, rec.person);
  assert.equal(m.json.resolution.merged_into.by, 'user');
  assert.equal(m.json.resolution.merged_into.actor, 'analyst');
  expectError(await merge(rec.ref, { into: rec.person, reason: 'again' }), 409, 'already_merged');
  const merged = await profile(rec.person);
  assert.equal(merged.json.entity.id, personId);
  assert.equal(merged.json.entity.ref, rec.person);
  assert.ok(merged.json.resolution.members.some((x) => x.ref === rec.ref && x.by === 'user'));

  expectError(await unmerge(rec.ref, {}), 400, 'reason_required');
  const u = await unmerge(rec.ref, { reason: '复核：不是同一人' });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.resolution.status, 'unresolved');
  assert.equal(u.json.resolution.candidates.find((c) => c.ref === rec.person).kept_apart, true);
  assert.deepEqual(u.json.resolution.history.map((h) => h.action), ['merge', 'unmerge']);
  const after = await profile(rec.ref);
  assert.equal(after.json.entity.id, recordId);
  const personAfter = await profile(rec.person);
  assert.equal(personAfter.json.entity.id, personId);
  assert.ok(!personAfter.json.resolution.members.some((x) => x.ref === rec.ref));

  const merges = await auditSince(s, inspector, since, { action: 'entity.merge' });
  const ok = merges.filter((e) => e.outcome === 'ok');
  assert.equal(ok.length, 1, JSON.stringify(merges));
  assert.equal(ok[0].target, `${rec.ref} -> ${rec.person}`);
  assert.equal(ok[0].actor, 'analyst');
  assert.equal(ok[0].purpose, PURPOSE['X-Purpose']);
  assert.ok(merges.some((e) => e.outcome !== 'ok'), 'the refused second merge is audited too');
  const unmerges = await auditSince(s, inspector, since, { action: 'entity.unmerge' });
  assert.equal(unmerges.filter((e) => e.outcome === 'ok' && e.target === rec.ref).length, 1, JSON.stringify(unmerges));
});

test('an upload without an ID number is resolved by the running server and alerts on a watched person', async () => {
  const line = fs.readFileSync(path.join(genDir, 'residents.csv'), 'utf8').split('\n')
    .slice(1).map((l) => l.split(',')).find((f) => f[0] === 'ID' && f[5] && !truth.noid_records.some((r) => r.person === `ID:${f[1]}`));
  // The person is on a watchlist (requested by the analyst, approved by a commander).
  const expires = new Date(Date.now() + 30 * 86400e3).toISOString();
  const w = await s.req('POST', '/api/v1/watchlist', { token: analyst, headers: PURPOSE,
    body: { entity: `ID:${line[1]}`, reason: '在逃人员', legal_basis: '《公安机关办理刑事案件程序规定》', expires_at: expires } });
  assert.equal(w.status, 201, w.text);
  const ok = await s.req('POST', `/api/v1/watchlist/${w.json.id}/approve`, { token: commander, body: { note: '同意' } });
  assert.equal(ok.status, 200, ok.text);
  const [, idNumber, name, , birth, phone] = line;
  const hotel = fs.readFileSync(path.join(genDir, 'places.csv'), 'utf8').split('\n').find((l) => l.includes(',hotel,')).split(',')[0];
  const csv = 'id_type,id_number,name,nationality,phone,hotel_code,room,checkin_at,checkout_at,birth_date\n' +
    `ID,,${name},CHN,${phone},${hotel},1808,2025-07-01T20:00:00,2025-07-02T12:00:00,${birth}\n` +
    `ID,4601,${name},CHN,${phone},${hotel},1809,2025-07-03T20:00:00,2025-07-04T12:00:00,\n`;
  const up = await s.req('POST', '/api/v1/sources/hotel/records',
    { token: admin, rawBody: csv, headers: { 'Content-Type': 'text/csv' } });
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.accepted, 1);
  assert.equal(up.json.unresolved, 1);
  assert.deepEqual(up.json.rejects_by_reason, { invalid_id_number: 1 });
  const ref = `PERSON:${name}/${birth.replaceAll('-', '')}/${phone}`;
  let r;
  for (let i = 0; i < 100; i++) {
    r = await profile(ref);
    if (r.status === 200 && r.json.resolution.status === 'merged') break;
    await sleep(100);
  }
  assert.equal(r.json.resolution.status, 'merged', r.text);
  assert.equal(r.json.resolution.merged_into.ref, `ID:${idNumber}`);
  // The check-in without an ID number alerts the requesting officer, through the record.
  let alerts;
  for (let i = 0; i < 50; i++) {
    alerts = await s.req('GET', '/api/v1/alerts', { token: analyst });
    if (alerts.json.items.length) break;
    await sleep(100);
  }
  assert.equal(alerts.json.items.length, 1, alerts.text);
  assert.equal(alerts.json.items[0].entity, `ID:${idNumber}`);
  assert.equal(alerts.json.items[0].via, ref);
  assert.equal(alerts.json.items[0].record.room, '1808');
  assert.equal(alerts.json.items[0].source, 'hotel');
});

test('the request log names no entity: routes only (personal data stays in the audit log)', async () => {
  const log = fs.readFileSync(path.join(s.dataDir, 'server.err'), 'utf8');
  assert.match(log, /"path":"\/api\/v1\/entities\/\{ref\}\/merge"/);
  assert.match(log, /"path":"\/api\/v1\/entities\/\{ref\}"/);
  assert.ok(!log.includes('PERSON:'), 'no record reference in the log');
  for (const rec of truth.noid_records) {
    assert.ok(!log.includes(rec.ref.split('/').at(-1)), `no phone of ${rec.ref} in the log`);
    if (rec.person) assert.ok(!log.includes(rec.person.slice(3)), `no ID number of ${rec.person} in the log`);
  }
});
