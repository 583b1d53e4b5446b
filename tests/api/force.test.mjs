// Force management and online inspection (docs/force.md) on the city `jingwu
// gen` writes: every planted misconduct of force_truth.json is found and no
// honest reader is flagged; findings need two inspectors; the roster decides
// which cars dispatch recommends; leaving the force ends the account; signed
// checkpoints catch a truncation with a rewritten head; the citizen tracker
// shows a citizen the reads of their own data only; bad input gets specific
// errors and writes nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { expectError, genCity, lastAuditId, auditSince, serverTime, sqlExec, startServer } from './lib/server.mjs';

let s;
let gen;
let ftruth;
let admin, commander, insp1, insp2, analyst;

function csv(file) {
  const lines = fs.readFileSync(path.join(gen.dir, file), 'utf8').split('\n').filter(Boolean);
  const head = lines[0].split(',');
  return lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [head[i], v])));
}

// The case records the access history cites (the rules look them up), not
// all 190,000 of the city: loading those takes a minute on PostgreSQL.
function casesDir() {
  const dir = path.join(gen.dir, 'cited-cases');
  fs.mkdirSync(dir, { recursive: true });
  const cited = new Set(csv('audit_history.csv').map((r) => r.case_no).filter(Boolean));
  for (const f of ['cases.csv', 'case_suspects.csv']) {
    const lines = fs.readFileSync(path.join(gen.dir, f), 'utf8').split('\n');
    const kept = [lines[0], ...lines.slice(1).filter((l) => cited.has(l.slice(0, l.indexOf(','))))];
    fs.writeFileSync(path.join(dir, f), kept.join('\n') + '\n');
  }
  for (const f of ['gangs.csv', 'gang_members.csv', 'accidents.csv', 'vehicle_counts.csv'])
    fs.copyFileSync(path.join(gen.dir, f), path.join(dir, f));
  return dir;
}

before(async () => {
  gen = genCity(5, 'jingwu-force-');
  ftruth = JSON.parse(fs.readFileSync(path.join(gen.dir, 'force_truth.json'), 'utf8'));
  s = await startServer({
    users: [
      { username: 'admin', roles: ['admin'] },
      { username: 'commander', roles: ['commander'] },
      { username: 'inspector', roles: ['inspector'] },
      { username: 'inspector2', roles: ['inspector'] },
      { username: 'analyst', roles: ['analyst'] },
      { username: 'leaver', roles: ['analyst'] },
    ],
    beforeStart: (cli) => {
      for (const args of [['cases', 'import', '--from', casesDir()], ['registry', 'import', gen.dir], ['force', 'import', gen.dir]]) {
        const r = cli(args, { timeout: 600000 });
        assert.equal(r.code, 0, args.join(' ') + ': ' + r.stderr + r.stdout);
        if (args[0] === 'force') {
          const people = csv('personnel.csv').length;
          assert.match(r.stdout, new RegExp(`personnel\\.csv +${people} rows +0 already +0 rejected`), r.stdout);
          const history = csv('audit_history.csv').length;
          assert.match(r.stdout, new RegExp(`audit_history\\.csv +${history} rows +0 already +0 rejected`), r.stdout);
        }
      }
      const run = cli(['force', 'inspect', '--full'], { timeout: 600000 });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /inspection \(full\): \d+ readers, \d+ reads, \d+ findings raised/);
    },
  });
  admin = await s.login('admin');
  commander = await s.login('commander');
  insp1 = await s.login('inspector');
  insp2 = await s.login('inspector2');
  analyst = await s.login('analyst');
});
after(async () => {
  await s?.stop();
  fs.rmSync(gen.dir, { recursive: true, force: true });
});

async function allFindings(token, query = '') {
  const r = await s.req('GET', `/api/v1/inspection/findings?page_size=500${query}`, { token });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

test('every planted misconduct is found by its rule and no honest reader is flagged', async () => {
  const { items, total, by_state } = await allFindings(insp1);
  assert.equal(items.length, total);
  assert.equal(by_state.open, total);
  const got = new Set(items.map((f) => `${f.rule}|${f.actor}`));
  for (const p of ftruth.planted) assert.ok(got.has(`${p.rule}|${p.actor}`), `planted ${p.rule} by ${p.actor} (${p.what}) not found`);
  const planted = new Set(ftruth.planted.map((p) => `${p.rule}|${p.actor}`));
  // Precision: every finding is one of the planted (rule, reader) pairs.
  for (const f of items) assert.ok(planted.has(`${f.rule}|${f.actor}`), `unexpected finding ${JSON.stringify(f)}`);
  const honest = new Set(ftruth.honest_readers);
  assert.equal(items.filter((f) => honest.has(f.actor)).length, 0);
  // Each finding names the officer and unit and carries its evidence.
  const bulk = items.find((f) => f.rule === 'volume');
  assert.ok(bulk.facts.reads >= 900, JSON.stringify(bulk.facts));
  assert.equal(bulk.police_no, ftruth.planted.find((p) => p.rule === 'volume').police_no);
  assert.ok(bulk.officer_name.length > 0 && bulk.unit_name.endsWith('刑侦大队'), JSON.stringify(bulk));
  const one = await s.req('GET', `/api/v1/inspection/findings/${items.find((f) => f.rule === 'repeat').id}`, { token: insp1 });
  assert.equal(one.status, 200);
  assert.equal(one.json.evidence.length, one.json.evidence_count);
  for (const e of one.json.evidence) {
    assert.equal(e.actor, one.json.actor);
    assert.equal(e.target, one.json.subject);
  }
  // A second full run raises nothing twice.
  const again = await s.req('POST', '/api/v1/inspection/run', { token: insp1, body: { full: true } });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.raised, 0);
});

test('findings are decided by two inspectors; the confirmed one leads to a discipline record', async () => {
  const { items } = await allFindings(insp1, '&state=open&rule=protected');
  const f = items[0];
  const p = (token, what, body = {}) => s.req('POST', `/api/v1/inspection/findings/${f.id}/${what}`, { token, body });
  expectError(await p(insp1, 'propose', { decision: 'confirm' }), 422, 'reason_required');
  expectError(await p(insp1, 'propose', { decision: 'maybe', reason: '再看看吧' }), 422, 'invalid_decision');
  const proposed = await p(insp1, 'propose', { decision: 'confirm', reason: '无案由查询受保护人员' });
  assert.equal(proposed.status, 200, proposed.text);
  assert.equal(proposed.json.state, 'proposed');
  expectError(await p(insp1, 'approve'), 403, 'four_eyes_required');
  expectError(await p(insp2, 'propose', { decision: 'dismiss', reason: '另有说明' }), 409, 'finding_not_open');
  const rec = { police_no: f.police_no, kind: 'warning', date: '2020-12-01', decision: '违规查询公民个人信息，予以警告', finding_id: f.id };
  expectError(await s.req('POST', '/api/v1/force/discipline', { token: insp2, body: rec }), 409, 'finding_not_confirmed');
  const done = await p(insp2, 'approve');
  assert.equal(done.status, 200, done.text);
  assert.equal(done.json.state, 'confirmed');
  assert.equal(done.json.decided_by, 'inspector2');
  // A commander does not write records from findings; an inspector does, once.
  expectError(await s.req('POST', '/api/v1/force/discipline', { token: commander, body: rec }), 403, 'permission_denied');
  const made = await s.req('POST', '/api/v1/force/discipline', { token: insp2, body: rec });
  assert.equal(made.status, 201, made.text);
  expectError(await s.req('POST', '/api/v1/force/discipline', { token: insp2, body: rec }), 409, 'finding_has_record');
  const after = await s.req('GET', `/api/v1/inspection/findings/${f.id}`, { token: insp1 });
  assert.equal(after.json.discipline_id, made.json.id);
  const list = await s.req('GET', `/api/v1/force/discipline?police_no=${f.police_no}`, { token: commander });
  assert.ok(list.json.items.some((d) => d.id === made.json.id && d.finding_id === f.id));
  // Nobody else reaches the queue.
  expectError(await s.req('GET', '/api/v1/inspection/findings', { token: commander }), 403, 'permission_denied');
  expectError(await s.req('GET', '/api/v1/inspection/findings', { token: analyst }), 403, 'permission_denied');
});

test('rules are data: a bad setting is refused, a good one is stored and audited', async () => {
  const before = await s.req('GET', '/api/v1/inspection/rules', { token: insp1 });
  assert.equal(before.json.repeat_min, 3);
  expectError(await s.req('PUT', '/api/v1/inspection/rules', { token: insp1, body: { repeat_min: 1 } }), 422, 'invalid_rules');
  expectError(await s.req('PUT', '/api/v1/inspection/rules', { token: insp1, body: { nonsense: true } }), 422, 'invalid_rules');
  const since = await lastAuditId(s, insp1);
  const put = await s.req('PUT', '/api/v1/inspection/rules', { token: insp1, body: { volume_z: 6 } });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.volume_z, 6);
  assert.equal(put.json.repeat_min, 3);
  const entries = await auditSince(s, insp1, since, { action: 'inspection.rules.update' });
  assert.equal(entries.length, 1);
  assert.equal(entries[0].outcome, 'ok');
  await s.req('PUT', '/api/v1/inspection/rules', { token: insp1, body: { volume_z: 5 } });
});

test('the roster decides which cars are recommended, and the board shows the crew', async () => {
  const units = (await s.req('GET', '/api/v1/force/units', { token: commander })).json.items;
  const station = units.find((u) => u.name === '大同派出所');
  assert.ok(station, 'the dispatch station is a unit of the tree');
  const people = (await s.req('GET', `/api/v1/force/personnel?unit=${station.code}&status=on_duty&page_size=10`, { token: commander })).json.items;
  assert.ok(people.length >= 3);
  const mk = async (call_sign, dlat) => {
    const r = await s.req('POST', '/api/v1/dispatch/units', {
      token: commander, body: { call_sign, type: 'patrol_car', station: '大同派出所', lat: 20.032 + dlat, lon: 110.334 },
    });
    assert.equal(r.status, 201, r.text);
    return r.json.id;
  };
  const a = await mk('琼A-T01', 0.001);
  const b = await mk('琼A-T02', 0.002);
  const inc = await s.req('POST', '/api/v1/dispatch/incidents', {
    token: commander, body: { category: 'criminal', priority: 1, district_code: '460106', lat: 20.03, lon: 110.33, narrative: '手机被抢' },
  });
  assert.equal(inc.status, 201, inc.text);
  const recommended = async () => new Set((await s.req('GET', `/api/v1/dispatch/incidents/${inc.json.id}/recommendations`, { token: commander })).json.items.map((r) => r.unit_id));
  assert.deepEqual(await recommended(), new Set([a, b]));  // the station keeps no roster yet
  // A shift from an hour ago to eleven hours on, local date of its start.
  const now = await serverTime(s, commander);
  const start = new Date((now - 3600) * 1000);
  const local = (d) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16);
  const shift = await s.req('POST', '/api/v1/force/shifts', {
    token: commander,
    body: {
      unit_code: station.code, date: local(start).slice(0, 10), code: 'day', starts_at: local(start),
      ends_at: local(new Date(start.getTime() + 12 * 3600_000)),
      members: [{ police_no: people[0].police_no, call_sign: '琼A-T01' }, { police_no: people[1].police_no, call_sign: '琼A-T01' }],
    },
  });
  assert.equal(shift.status, 201, shift.text);
  assert.deepEqual(await recommended(), new Set([a]));  // T02 has no crew on the roster
  const board = (await s.req('GET', '/api/v1/dispatch/units', { token: commander })).json.items;
  const ta = board.find((u) => u.id === a), tb = board.find((u) => u.id === b);
  assert.deepEqual(ta.crew.map((c) => c.police_no).sort(), [people[0].police_no, people[1].police_no].sort());
  assert.equal(ta.off_roster, false);
  assert.deepEqual(tb.crew, []);
  assert.equal(tb.off_roster, true);
  // The same officer again in an overlapping shift, or with too little rest: refused, nothing stored.
  const count = (await s.req('GET', `/api/v1/force/shifts?unit=${station.code}`, { token: commander })).json.total;
  const again = {
    unit_code: station.code, date: local(new Date(start.getTime() + 3600_000)).slice(0, 10), code: 'extra',
    starts_at: local(new Date(start.getTime() + 3600_000)),
    ends_at: local(new Date(start.getTime() + 5 * 3600_000)), members: [{ police_no: people[0].police_no, call_sign: '琼A-T02' }],
  };
  expectError(await s.req('POST', '/api/v1/force/shifts', { token: commander, body: again }), 409, 'double_shift');
  expectError(await s.req('POST', '/api/v1/force/shifts', {
    token: commander, body: { ...again, members: [{ police_no: people[2].police_no, call_sign: '琼A-NOPE' }] },
  }), 404, 'unknown_call_sign');
  expectError(await s.req('POST', '/api/v1/force/shifts', {
    token: commander, body: { ...again, ends_at: local(new Date(start.getTime() + 1800_000)), members: [] },
  }), 422, 'invalid_shift');
  expectError(await s.req('POST', '/api/v1/force/shifts', { token: commander, body: { ...again, unit_code: '469999999999' } }), 404, 'unknown_unit');
  assert.equal((await s.req('GET', `/api/v1/force/shifts?unit=${station.code}`, { token: commander })).json.total, count);
  // The crew goes off the roster: no car of the station is recommended.
  for (const p of [people[0], people[1]]) {
    const d = await s.req('DELETE', `/api/v1/force/shifts/${shift.json.id}/members/${p.police_no}`, { token: commander });
    assert.equal(d.status, 200, d.text);
  }
  assert.deepEqual(await recommended(), new Set());
  const gone = await s.req('DELETE', `/api/v1/force/shifts/${shift.json.id}`, { token: commander });
  assert.equal(gone.status, 204);
});

test('leaving the force disables the linked account at once', async () => {
  const leaver = await s.login('leaver');
  const units = (await s.req('GET', '/api/v1/force/units', { token: admin })).json.items;
  const station = units.find((u) => u.kind === 'station');
  const made = await s.req('POST', '/api/v1/force/personnel', {
    token: admin, body: { police_no: '990001', name: '离职测试', kind: 'police', unit_code: station.code, username: 'leaver' },
  });
  assert.equal(made.status, 201, made.text);
  expectError(await s.req('POST', '/api/v1/force/personnel', {
    token: admin, body: { police_no: '990002', name: '另一人', kind: 'police', unit_code: station.code, username: 'leaver' },
  }), 409, 'account_linked');
  expectError(await s.req('POST', '/api/v1/force/personnel', {
    token: admin, body: { police_no: '990003', name: '某人', kind: 'police', unit_code: '4601' },
  }), 404, 'unknown_unit');
  expectError(await s.req('POST', '/api/v1/force/personnel', {
    token: admin, body: { police_no: '99A', name: '某人', kind: 'police', unit_code: station.code },
  }), 422, 'invalid_police_number');
  assert.equal((await s.req('GET', '/api/v1/system/info', { token: leaver })).status, 200);
  const left = await s.req('PATCH', '/api/v1/force/personnel/990001', { token: admin, body: { status: 'left' } });
  assert.equal(left.status, 200, left.text);
  assert.ok(left.json.left_at);
  expectError(await s.req('GET', '/api/v1/system/info', { token: leaver }), 401, 'unauthenticated');
  const users = (await s.req('GET', '/api/v1/users', { token: admin })).json.items;
  assert.equal(users.find((u) => u.username === 'leaver').disabled, true);
  expectError(await s.req('PATCH', '/api/v1/force/personnel/990001', { token: admin, body: { status: 'on_duty' } }), 409, 'officer_left');
});

test('training: the published scale comes from the records; bad scores are refused whole', async () => {
  const sessions = csv('training_sessions.csv');
  const attendance = csv('attendance.csv');
  const sum = await s.req('GET', '/api/v1/force/training/summary?from=2020&to=2020', { token: commander });
  assert.equal(sum.status, 200, sum.text);
  assert.equal(sum.json.night_school_sessions, 23);
  assert.equal(sum.json.training_events, 35);
  assert.equal(sum.json.sessions, sessions.length);
  assert.equal(sum.json.attendances, attendance.length);
  const list = (await s.req('GET', '/api/v1/force/training/sessions?year=2020&kind=shooting', { token: commander })).json.items;
  assert.ok(list.length > 0);
  const session = list[0];
  const officer = attendance.find((r) => r.session_ref !== '').police_no;
  const post = (records) => s.req('POST', `/api/v1/force/training/sessions/${session.id}/attendance`, { token: commander, body: { records } });
  expectError(await post([{ police_no: officer, score: 90 }, { police_no: officer, score: 120 }]), 422, 'invalid_score');
  expectError(await post([{ police_no: officer, score: 90 }, { police_no: '999999', score: 70 }]), 404, 'unknown_officer');
  const still = await s.req('GET', `/api/v1/force/training/sessions/${session.id}`, { token: commander });
  assert.equal(still.json.records.length, session.attendance);
  const hours = await s.req('GET', '/api/v1/force/training/hours?year=2020&behind=1', { token: commander });
  assert.equal(hours.status, 200);
  assert.ok(hours.json.behind > 0 && hours.json.behind <= hours.json.officers);
  assert.ok(hours.json.items.every((r) => r.behind && r.hours < hours.json.required_hours));
  expectError(await s.req('GET', '/api/v1/force/personnel', { token: insp1 }), 403, 'permission_denied');
});

test('a signed checkpoint catches entries cut off the end even when the head row was rewritten', async () => {
  const cp = await s.req('POST', '/api/v1/audit/checkpoints', { token: insp1 });
  assert.equal(cp.status, 201, cp.text);
  const key = await s.req('GET', '/api/v1/audit/public-key', { token: insp1 });
  assert.equal(key.json.public_key, cp.json.public_key);
  const file = await s.req('GET', `/api/v1/audit/checkpoints/${cp.json.id}`, { token: insp1 });
  assert.match(file.headers['content-disposition'], /attachment; filename="jingwu-audit-checkpoint-\d+\.json"/);
  const ok = await s.req('POST', '/api/v1/audit/verify-checkpoint', { token: insp1, body: file.json });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.ok, true);
  // Forged: another key, or an altered id.
  const forged = { ...file.json, public_key: 'ab'.repeat(32) };
  expectError(await s.req('POST', '/api/v1/audit/verify-checkpoint', { token: insp1, body: forged }), 422, 'checkpoint_wrong_key');
  expectError(await s.req('POST', '/api/v1/audit/verify-checkpoint', { token: insp1, body: { ...file.json, last_id: file.json.last_id - 1 } }),
    422, 'checkpoint_bad_signature');
  expectError(await s.req('POST', '/api/v1/audit/verify-checkpoint', { token: insp1, body: { format: 'x' } }), 422, 'invalid_checkpoint');
  // Cut the last ten entries up to the checkpoint and rewrite the head: the chain alone looks fine.
  const cut = file.json.last_id - 10;
  sqlExec(s, `DELETE FROM audit_log WHERE id > ${cut}`);
  const h = sqlExec(s, `SELECT hash FROM audit_log WHERE id = ${cut}`).trim();
  sqlExec(s, `UPDATE audit_head SET last_id = ${cut}, last_hash = '${h}' WHERE one = 1`);
  const plain = await s.req('GET', '/api/v1/audit/verify', { token: insp1 });
  assert.equal(plain.json.ok, true);
  const caught = await s.req('POST', '/api/v1/audit/verify-checkpoint', { token: insp1, body: file.json });
  assert.equal(caught.json.ok, false);
  assert.equal(caught.json.problem, 'truncated');
  // The command line says the same with the checkpoint file.
  const f = path.join(s.dataDir, 'cp.json');
  fs.writeFileSync(f, JSON.stringify(file.json));
  const cli = s.cli(['audit', 'verify', '--checkpoint', f]);
  assert.equal(cli.code, 1, cli.stdout + cli.stderr);
  assert.match(cli.stdout, /BROKEN at entry \d+: truncated/);
});

test('the citizen tracker shows the reads of their own data, by unit, and withholds open cases', async () => {
  const t = ftruth.tracker;
  const reg = await s.req('POST', '/api/v1/citizen/register',
    { body: { phone: '13900139077', password: 'citizen-pass-1', id_number: t.id_number, name: t.name } });
  assert.equal(reg.status, 201, reg.text);
  const login = await s.req('POST', '/api/v1/citizen/login', { body: { phone: '13900139077', password: 'citizen-pass-1' } });
  const token = login.json.token;
  const r = await s.req('GET', '/api/v1/citizen/data-reads', { token });
  assert.equal(r.status, 200, r.text);
  // The history holds its reads: three verifications and a case since closed shown, one open case withheld.
  const history = csv('audit_history.csv').filter((x) => x.target === `ID:${t.id_number}`);
  assert.equal(r.json.total + r.json.withheld_open_case, history.length);
  assert.equal(r.json.withheld_open_case, 1);
  assert.equal(r.json.total, 4);
  for (const x of r.json.items) {
    assert.equal(x.officer, null);
    assert.ok(x.unit_name.length > 0);
  }
  assert.equal(r.json.items.filter((x) => x.purpose_category === 'verification').length, 3);
  assert.equal(r.json.items.filter((x) => x.case_no).length, 1);
  // Someone else's identity: refused and audited.
  expectError(await s.req('GET', '/api/v1/citizen/data-reads?id_number=460106199001010011', { token }), 403, 'not_your_identity');
  const audit = await auditSince(s, insp1, 0, { action: 'citizen.data_reads' });
  assert.deepEqual(audit.map((e) => e.outcome).slice(-2), ['ok', 'denied']);
  expectError(await s.req('GET', '/api/v1/citizen/data-reads'), 401, 'unauthenticated');
  // Someone who registers another person's ID number under another name sees nothing.
  const other = csv('population.csv').find((p) => p.person.startsWith('ID:') && p.person.slice(3) !== t.id_number);
  const imp = await s.req('POST', '/api/v1/citizen/register',
    { body: { phone: '13900139078', password: 'citizen-pass-1', id_number: other.person.slice(3), name: '冒名者' } });
  assert.equal(imp.status, 201, imp.text);
  const impLogin = await s.req('POST', '/api/v1/citizen/login', { body: { phone: '13900139078', password: 'citizen-pass-1' } });
  expectError(await s.req('GET', '/api/v1/citizen/data-reads', { token: impLogin.json.token }), 403, 'identity_not_verified');
});
