// The big-data core through the command line and the API, on a `small`
// synthetic city: ingest with rejects, the three analyses against the
// planted truth, purpose / case number / permission errors, audit entries,
// uploads over HTTP, and the second-writer lock.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { genCity, auditSince, expectError, lastAuditId, startServer } from './lib/server.mjs';

let s;
let analyst;
let inspector;
let admin;
let dispatcher;
let truth;
let genDir;
const PURPOSE = { 'X-Purpose': '案件研判', 'X-Case-No': 'A4601002025000123' };

before(async () => {
  ({ dir: genDir, truth } = genCity(4, 'jingwu-gen-'));
  s = await startServer({
    users: [
      { username: 'analyst', roles: ['analyst'] },
      { username: 'inspector', roles: ['inspector'] },
      { username: 'admin', roles: ['admin'] },
      { username: 'dispatcher', roles: ['dispatcher'] },
    ],
    beforeStart: (cli) => {
      const r = cli(['ingest', '--source', 'all', genDir, '--quiet'], { timeout: 300000 });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      // One line per file with its counts.
      assert.match(r.stdout, /vehicle_pass\.csv\s+\d+ rows/);
      // A single file by name: its rejects file and summary.
      const again = cli(['ingest', '--source', 'hotel', path.join(genDir, 'hotel.csv'), '--quiet']);
      assert.equal(again.code, 0, again.stderr);
      const n = truth.valid_events.hotel;
      // Nothing is stored again: 0 accepted, every valid row already stored.
      assert.match(again.stdout, new RegExp(`0 accepted \\(${n} already stored\\)`));
    },
  });
  [analyst, inspector, admin, dispatcher] = await Promise.all(
    ['analyst', 'inspector', 'admin', 'dispatcher'].map((u) => s.login(u)));
});
after(async () => {
  await s?.stop();
  fs.rmSync(genDir, { recursive: true, force: true });
});

test('rejects: FILE.rejects.csv holds exactly the planted bad rows with their reasons', () => {
  for (const file of ['hotel.csv', 'vehicle_pass.csv', 'travel.csv', 'dutyfree.csv', 'netcafe.csv']) {
    const lines = fs.readFileSync(path.join(genDir, `${file}.rejects.csv`), 'utf8').trim().split('\n');
    assert.match(lines[0], /,reason$/);
    const counts = {};
    for (const l of lines.slice(1)) {
      const reason = l.slice(l.lastIndexOf(',') + 1);
      counts[reason] = (counts[reason] || 0) + 1;
    }
    const want = Object.fromEntries(Object.entries(truth.rejects[file]).filter(([, n]) => n > 0));
    assert.deepEqual(counts, want, file);
  }
});

test('collision: every planted suspect, with evidence in each window; audited with purpose and case', async () => {
  const since = await lastAuditId(s, inspector);
  for (const sc of truth.collisions) {
    const r = await s.req('POST', '/api/v1/analysis/collision',
      { token: analyst, headers: PURPOSE, body: { windows: sc.windows } });
    assert.equal(r.status, 200, r.text);
    const refs = r.json.entities.map((e) => e.ref);
    for (const sus of sc.suspects) assert.ok(refs.includes(sus), `${sus} in ${refs}`);
    assert.ok(sc.suspects.length / refs.length >= 0.95, `precision ${sc.suspects.length}/${refs.length}`);
    const hit = r.json.entities.find((e) => e.ref === sc.suspects[0]);
    assert.equal(hit.matched, sc.windows.length);
    assert.deepEqual([...new Set(hit.evidence.map((e) => e.window))].sort(), sc.windows.map((_, i) => i));
    for (const ev of hit.evidence) assert.equal(ev.place, sc.windows[ev.window].place);
    assert.equal(r.json.windows.length, sc.windows.length);
  }
  const audit = await auditSince(s, inspector, since, { action: 'analysis.collision' });
  assert.equal(audit.length, truth.collisions.length);
  assert.equal(audit[0].purpose, '案件研判');
  assert.equal(audit[0].case_no, 'A4601002025000123');
  assert.equal(audit[0].actor, 'analyst');
  assert.match(audit[0].target, new RegExp(truth.collisions[0].windows[0].place));
});

test('collision: min windows, bad windows and unknown places', async () => {
  const sc = truth.collisions[0];
  const loose = await s.req('POST', '/api/v1/analysis/collision',
    { token: analyst, headers: PURPOSE, body: { windows: sc.windows, min: 1 } });
  assert.equal(loose.status, 200);
  assert.ok(loose.json.entities.length >= sc.suspects.length);
  const tooMany = await s.req('POST', '/api/v1/analysis/collision',
    { token: analyst, headers: PURPOSE, body: { windows: sc.windows, min: sc.windows.length + 1 } });
  expectError(tooMany, 422, 'invalid_window');
  expectError(await s.req('POST', '/api/v1/analysis/collision',
    { token: analyst, headers: PURPOSE, body: { windows: [] } }), 422, 'invalid_window');
  expectError(await s.req('POST', '/api/v1/analysis/collision',
    { token: analyst, headers: PURPOSE, body: { windows: [{ place: 'HT99999', from: '2025-01-01', to: '2025-01-02' }] } }),
  422, 'unknown_place');
  expectError(await s.req('POST', '/api/v1/analysis/collision',
    { token: analyst, headers: PURPOSE, body: { windows: [{ place: sc.windows[0].place, from: '2025-02-30T10:00', to: '2025-03-01' }] } }),
  422, 'invalid_time');
  expectError(await s.req('POST', '/api/v1/analysis/collision',
    { token: analyst, headers: PURPOSE, rawBody: '{"windows": [' }), 400, 'malformed_json');
});

test('analyses need a purpose, a case number and analysis.run', async () => {
  const sc = truth.collisions[0];
  const ent = encodeURIComponent(sc.suspects[0]);
  expectError(await s.req('GET', `/api/v1/analysis/trajectory?entity=${ent}`, { token: analyst }), 400, 'purpose_required');
  expectError(await s.req('GET', `/api/v1/analysis/trajectory?entity=${ent}`,
    { token: analyst, headers: { 'X-Purpose': '研判' } }), 400, 'case_no_required');
  expectError(await s.req('GET', `/api/v1/analysis/trajectory?entity=${ent}`, { token: dispatcher, headers: PURPOSE }),
    403, 'permission_denied');
  expectError(await s.req('GET', `/api/v1/analysis/trajectory?entity=${ent}`, { headers: PURPOSE }), 401, 'unauthenticated');
  expectError(await s.req('GET', '/api/v1/analysis/trajectory?entity=ID:110101199003070017', { token: analyst, headers: PURPOSE }),
    422, 'invalid_id_number');
  expectError(await s.req('GET', '/api/v1/analysis/trajectory?entity=nonsense', { token: analyst, headers: PURPOSE }),
    422, 'invalid_reference');
});

test('trajectory: time order, places with coordinates, the original records; audited', async () => {
  const sc = truth.collisions[0];
  const who = sc.suspects[0];
  const since = await lastAuditId(s, inspector);
  const r = await s.req('GET', `/api/v1/analysis/trajectory?entity=${encodeURIComponent(who)}`, { token: analyst, headers: PURPOSE });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.entity, who);
  assert.ok(r.json.events.length >= sc.windows.length);
  const times = r.json.events.map((e) => Date.parse(e.time));
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  for (const w of sc.windows) {
    const inside = r.json.events.filter((e) => e.place === w.place &&
      Date.parse(e.time) >= Date.parse(w.from + '+08:00') && Date.parse(e.time) <= Date.parse(w.to + '+08:00'));
    assert.ok(inside.length >= 1, `an event in window ${JSON.stringify(w)}`);
  }
  const e = r.json.events[0];
  assert.equal(typeof e.lat, 'number');
  assert.ok(e.record && Object.keys(e.record).length > 3);
  const idNumber = who.slice(who.indexOf(':') + 1);
  assert.ok(r.json.events.some((x) => Object.values(x.record).includes(idNumber)));
  // A range that ends before the first event is empty.
  const early = await s.req('GET', `/api/v1/analysis/trajectory?entity=${encodeURIComponent(who)}&to=2024-01-01`,
    { token: analyst, headers: PURPOSE });
  assert.equal(early.json.events.length, 0);
  const [entry] = await auditSince(s, inspector, since, { action: 'analysis.trajectory' });
  assert.equal(entry.target, who);
  assert.equal(entry.case_no, 'A4601002025000123');
});

test('co-travel: the planted groups, with paired evidence', async () => {
  for (const g of truth.cotravel_groups) {
    const who = g.members[0];
    const r = await s.req('GET',
      `/api/v1/analysis/cotravel?entity=${encodeURIComponent(who)}&within=${g.within}&min=5`, { token: analyst, headers: PURPOSE });
    assert.equal(r.status, 200, r.text);
    const refs = r.json.entities.map((e) => e.ref);
    for (const m of g.members.slice(1)) assert.ok(refs.includes(m), `${m} travels with ${who}: ${refs}`);
    const hit = r.json.entities.find((e) => e.ref === g.members[1]);
    assert.ok(hit.count >= 5);
    assert.equal(hit.evidence.length, hit.count);
    for (const ev of hit.evidence) assert.ok(Math.abs(ev.delta_seconds) <= g.within);
  }
  expectError(await s.req('GET', `/api/v1/analysis/cotravel?entity=${encodeURIComponent(truth.cotravel_groups[0].members[0])}&within=-1`,
    { token: analyst, headers: PURPOSE }), 422, 'validation_failed');
});

test('the command line gives the same answers and audits them', async () => {
  const since = await lastAuditId(s, inspector);
  const sc = truth.collisions[0];
  const args = ['query', 'collision', '--purpose', '命令行研判', '--case', 'A1', '--json'];
  for (const w of sc.windows) args.push('--window', `${w.place},${w.from},${w.to}`);
  const r = s.cli(args);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  for (const sus of sc.suspects) assert.ok(out.entities.some((e) => e.ref === sus));
  const noPurpose = s.cli(['query', 'trajectory', '--entity', sc.suspects[0], '--purpose', ' ', '--case', 'A1']);
  assert.equal(noPurpose.code, 2);
  assert.match(noPurpose.stderr, /purpose/);
  const t = s.cli(['query', 'trajectory', '--entity', sc.suspects[0], '--purpose', '核查', '--case', 'A1', '--json']);
  assert.equal(t.code, 0, t.stderr);
  assert.equal(JSON.parse(t.stdout).entity, sc.suspects[0]);
  const entries = await auditSince(s, inspector, since, { actor: 'cli' });
  assert.deepEqual(entries.map((e) => [e.action, e.purpose, e.case_no]),
    [['analysis.collision', '命令行研判', 'A1'], ['analysis.trajectory', '核查', 'A1']]);
});

test('a second writer on the data folder gets a clear error while the server runs', () => {
  const r = s.cli(['ingest', '--source', 'hotel', path.join(genDir, 'hotel.csv'), '--quiet']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /open for writing by another jingwu process/);
});

test('uploads: CSV and NDJSON records with a reject report; the same records twice add nothing', async () => {
  const before = await s.req('GET', '/api/v1/events/stats?by=source_day', { token: admin });
  assert.equal(before.status, 200, before.text);
  const place = truth.collisions[0].windows[0].place.startsWith('KK') ? truth.collisions[0].windows[0].place : null;
  const places = await s.req('GET', '/api/v1/places?kind=checkpoint&limit=1', { token: analyst });
  const kk = place || places.json.places[0].code;
  const csv = 'plate,plate_color,checkpoint_code,passed_at,direction,speed_kmh\n' +
    `琼A9Z999,蓝,${kk},2025-12-31T23:59:00,IN,40\n` +
    `琼AI9999,蓝,${kk},2025-12-31T23:59:00,IN,40\n` +
    `琼A9Z999,蓝,KK99999,2025-12-31T23:59:00,IN,40\n`;
  const up = await s.req('POST', '/api/v1/sources/vehicle_pass/records',
    { token: admin, rawBody: csv, headers: { 'Content-Type': 'text/csv' } });
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.accepted, 1);
  assert.deepEqual(up.json.rejects_by_reason, { invalid_plate: 1, unknown_place: 1 });
  assert.deepEqual(up.json.rejects.map((x) => x.line), [3, 4]);
  const nd = `{"plate":"琼A9Z999","checkpoint_code":"${kk}","passed_at":"2025-12-31T23:59:00"}\n`;
  const again = await s.req('POST', '/api/v1/sources/vehicle_pass/records',
    { token: admin, rawBody: nd, headers: { 'Content-Type': 'application/x-ndjson' } });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.already, 1);
  const after = await s.req('GET', '/api/v1/events/stats?by=source_day', { token: admin });
  assert.equal(after.json.total, before.json.total + 1);
  // The new event is visible at once.
  const t = await s.req('GET', `/api/v1/analysis/trajectory?entity=${encodeURIComponent('PLATE:琼A9Z999')}`,
    { token: analyst, headers: PURPOSE });
  assert.equal(t.json.events.length, 1);
  assert.equal(t.json.events[0].record.speed_kmh, '40');
  expectError(await s.req('POST', '/api/v1/sources/vehicle_pass/records',
    { token: admin, rawBody: 'plate\n琼A9Z999\n', headers: { 'Content-Type': 'text/csv' } }), 400, 'missing_columns');
  expectError(await s.req('POST', '/api/v1/sources/nope/records',
    { token: admin, rawBody: csv, headers: { 'Content-Type': 'text/csv' } }), 404, 'unknown_source');
  expectError(await s.req('POST', '/api/v1/sources/vehicle_pass/records',
    { token: admin, rawBody: csv, headers: { 'Content-Type': 'text/plain' } }), 400, 'unsupported_media_type');
  expectError(await s.req('POST', '/api/v1/sources/vehicle_pass/records',
    { token: analyst, rawBody: csv, headers: { 'Content-Type': 'text/csv' } }), 403, 'permission_denied');
});

test('counters: per source per day and per district per month add up to the events', async () => {
  const a = await s.req('GET', '/api/v1/events/stats?by=source_day', { token: admin });
  const sum = a.json.rows.reduce((n, r) => n + r.count, 0);
  assert.equal(sum, a.json.total);
  const sources = new Set(a.json.rows.map((r) => r.source));
  assert.deepEqual([...sources].sort(), ['dutyfree', 'hotel', 'netcafe', 'travel', 'vehicle_pass']);
  const city = a.json.total;
  const b = await s.req('GET', '/api/v1/events/stats?by=district_month', { token: admin });
  assert.equal(b.json.rows.reduce((n, r) => n + r.count, 0), a.json.total);
  assert.deepEqual([...new Set(b.json.rows.map((r) => r.district))].sort(), ['琼山区', '秀英区', '美兰区', '龙华区'].sort());
  const valid = Object.values(truth.valid_events).reduce((n, x) => n + x, 0);
  assert.ok(city <= valid + 1 && city >= valid * 0.99, `${city} vs ${valid}`);
  expectError(await s.req('GET', '/api/v1/events/stats?by=nope', { token: admin }), 422, 'invalid_value');
});

test('places: search by kind and text; the system reports big data available', async () => {
  const r = await s.req('GET', '/api/v1/places?kind=station', { token: analyst });
  assert.equal(r.status, 200);
  assert.ok(r.json.places.some((p) => p.name.includes('美兰')));
  for (const p of r.json.places) assert.equal(p.kind, 'station');
  const info = await s.req('GET', '/api/v1/system/info', { token: analyst });
  assert.equal(info.json.modules.find((m) => m.name === 'bigdata').available, true);
  assert.equal(info.json.map_tile_url, '');
});
