// Sources as data (docs/sources.md) and the smart communities built on them
// (docs/communities.md), through the HTTP API on the city `jingwu gen`
// writes: the access and barrier sources come from definition files; a new
// source is defined and loaded on the running server and shows in a
// trajectory; a definition that would reinterpret stored rows is refused;
// the community rules find exactly what community_truth.json planted; a
// watched plate at a community barrier raises an alert; bad input gets
// specific errors and writes nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { expectError, genCity, startServer } from './lib/server.mjs';

let s;
let gen;
let ct;
let admin, clerk, inv, cmd;

before(async () => {
  gen = genCity(5, 'jingwu-comm-', { communities: true });
  ct = JSON.parse(fs.readFileSync(path.join(gen.dir, 'community_truth.json'), 'utf8'));
  s = await startServer({
    config: { stays: { as_of: gen.truth.stays.as_of } },
    users: [
      { username: 'admin', roles: ['admin'] },
      { username: 'clerk', roles: ['service_clerk'] },
      { username: 'inv', roles: ['investigator'] },
      { username: 'cmd', roles: ['commander'] },
    ],
    beforeStart: (cli) => {
      for (const args of [['ingest', '--source', 'all', gen.dir, '--quiet'], ['registry', 'import', gen.dir],
        ['communities', 'import', '--from', gen.dir]]) {
        const r = cli(args, { timeout: 600000 });
        assert.equal(r.code, 0, args.join(' ') + ': ' + r.stderr + r.stdout);
        if (args[0] === 'ingest') assert.match(r.stdout, /defined source 'access' \(version 1\)/);
        if (args[0] === 'communities') assert.match(r.stdout, /smart_communities\.csv +57 rows, +57 accepted/);
      }
    },
  });
  [admin, clerk, inv, cmd] = await Promise.all(['admin', 'clerk', 'inv', 'cmd'].map((u) => s.login(u)));
});
after(async () => {
  await s?.stop();
  fs.rmSync(gen.dir, { recursive: true, force: true });
});

const csvBody = (token, text) => ({ token, rawBody: text, headers: { 'Content-Type': 'text/csv' } });
const purpose = { 'X-Purpose': encodeURIComponent('社区走访核查'), 'X-Case-No': 'A4601062025120001' };

test('sources: the built-ins and the two defined ones are listed with their labels and counts', async () => {
  const r = await s.req('GET', '/api/v1/sources', { token: clerk });
  assert.equal(r.status, 200, r.text);
  const by = Object.fromEntries(r.json.sources.map((x) => [x.name, x]));
  assert.deepEqual(Object.keys(by).sort(), ['access', 'barrier', 'dutyfree', 'hotel', 'netcafe', 'places', 'residents',
    'travel', 'vehicle_pass', 'vehicles']);
  assert.equal(by.hotel.id, 1);
  assert.equal(by.hotel.builtin, true);
  assert.deepEqual(by.hotel.required_columns, ['id_type', 'id_number', 'name', 'hotel_code', 'checkin_at']);
  assert.equal(by.access.builtin, false);
  assert.equal(by.access.label['zh-CN'], '小区门禁');
  assert.equal(by.access.in_use, true);
  assert.ok(by.access.events > 100000, JSON.stringify(by.access));
  const one = await s.req('GET', '/api/v1/sources/barrier', { token: clerk });
  assert.equal(one.json.definition.subjects[0].kind, 'plate');
  assert.equal(one.json.versions.length, 1);
  expectError(await s.req('GET', '/api/v1/sources/nosuch', { token: clerk }), 404, 'unknown_source');
});

test('sources: a new source defined on the running server loads rows with rejects and shows in a trajectory', async () => {
  const def = {
    name: 'patrol_checkin', kind: 'sightings', label: { 'zh-CN': '巡逻签到', en: 'Patrol check-ins' },
    subjects: [{ kind: 'card', column: 'card' }, { kind: 'person', id_number: 'id_number', optional: true }],
    place: { column: 'place_code', kinds: ['community'] }, time: { column: 'at', reject_future: true },
    columns: [{ name: 'score', type: 'int', min: 0, max: 100 }],
  };
  expectError(await s.req('POST', '/api/v1/sources', { token: clerk, body: def }), 403, 'permission_denied');
  expectError(await s.req('POST', '/api/v1/sources/check', { token: admin, body: { ...def, subjects: [] } }), 422,
    'invalid_definition');
  expectError(await s.req('POST', '/api/v1/sources', { token: admin, rawBody: '{"name":', headers: { 'Content-Type': 'application/json' } }),
    422, 'invalid_json');
  const check = await s.req('POST', '/api/v1/sources/check', { token: admin, body: def });
  assert.equal(check.status, 200, check.text);
  assert.deepEqual(check.json.required_columns, ['card', 'place_code', 'at']);
  const added = await s.req('POST', '/api/v1/sources', { token: admin, body: def });
  assert.equal(added.status, 201, added.text);
  assert.equal(added.json.id, 11);
  const place = ct.unregistered_regulars[0].community;
  const person = ct.unregistered_regulars[0].person.slice(3);
  const rows = 'place_code,card,id_number,at,score\n' +
    `${place},PATROL-0001,${person},2025-12-20T10:00:00,90\n` +
    `${place},PATROL-0001,${person},2025-12-20T10:00:00,90\n` +        // the same row again
    `${place},PATROL-0002,,2025-12-20T11:00:00,\n` +                  // card only, no score
    `HT00001,PATROL-0003,,2025-12-20T11:00:00,80\n` +                 // a hotel, not a community
    `${place},P,,2025-12-20T11:00:00,80\n` +                          // card too short
    `${place},PATROL-0004,,2025-12-20T11:00:00,101\n` +               // score out of range
    `${place},PATROL-0005,,2099-12-20T11:00:00,50\n`;                 // in the future
  const up = await s.req('POST', '/api/v1/sources/patrol_checkin/records', csvBody(admin, rows));
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.accepted, 2);
  assert.equal(up.json.already, 1);
  assert.deepEqual(up.json.rejects_by_reason, { unknown_place: 1, invalid_card: 1, invalid_value: 1, invalid_time: 1 });
  const tr = await s.req('GET', `/api/v1/analysis/trajectory?entity=ID:${person}&from=2025-12-20T00:00:00&to=2025-12-21T00:00:00`,
    { token: inv, headers: purpose });
  assert.equal(tr.status, 200, tr.text);
  const sources = new Set(tr.json.events.map((e) => e.source));
  assert.ok(sources.has('patrol_checkin'), JSON.stringify([...sources]));
  // Versions: the interpretation is fixed once rows are stored; labels and checks may change.
  expectError(await s.req('POST', '/api/v1/sources', { token: admin, body: { ...def, time: { column: 'checked_at' } } }), 409,
    'definition_in_use');
  expectError(await s.req('POST', '/api/v1/sources', { token: admin, body: def }), 409, 'unchanged');
  const v2 = await s.req('POST', '/api/v1/sources', { token: admin, body: { ...def, label: { 'zh-CN': '巡逻打卡', en: 'Patrol check-ins' } } });
  assert.equal(v2.status, 200, v2.text);
  assert.equal(v2.json.version, 2);
  const hotel = (await s.req('GET', '/api/v1/sources/hotel', { token: admin })).json.definition;
  expectError(await s.req('POST', '/api/v1/sources', { token: admin, body: { ...hotel, label: { 'zh-CN': '酒店', en: 'Hotels' } } }),
    409, 'builtin_source');
});

test('communities: the rules find every planted case and nothing else, and need a purpose to read', async () => {
  const list = await s.req('GET', '/api/v1/communities', { token: clerk });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.communities.length, 57);
  expectError(await s.req('POST', '/api/v1/communities/rules/run', { token: inv }), 403, 'permission_denied');
  const run = await s.req('POST', '/api/v1/communities/rules/run', { token: clerk });
  assert.equal(run.status, 200, run.text);
  assert.deepEqual(run.json.found, {
    unregistered_regular: ct.unregistered_regulars.length,
    elderly_unseen: ct.elderly_unseen.length,
    cloned_card: ct.cloned_cards.length,
    alarm_overdue: ct.overdue_alarms.length,
  });
  expectError(await s.req('GET', '/api/v1/communities/findings', { token: clerk }), 400, 'purpose_required');
  const f = await s.req('GET', '/api/v1/communities/findings?rule=cloned_card', { token: clerk, headers: purpose });
  assert.equal(f.status, 200, f.text);
  assert.deepEqual(f.json.findings.map((x) => x.subject).sort(), ct.cloned_cards.map((c) => 'CARD:' + c.card).sort());
  for (const x of f.json.findings) assert.ok(x.detail.kmh > 60 && x.detail.km >= 2, JSON.stringify(x.detail));
  const regular = ct.unregistered_regulars[0];
  const mine = await s.req('GET', `/api/v1/communities/findings?rule=unregistered_regular&community=${regular.community}`,
    { token: clerk, headers: purpose });
  const hit = mine.json.findings.find((x) => x.subject === regular.person);
  assert.ok(hit, mine.text);
  assert.equal(hit.detail.nights, regular.nights);
  assert.ok(hit.task_id > 0);
  expectError(await s.req('GET', '/api/v1/communities/findings?rule=faces', { token: clerk, headers: purpose }), 422, 'invalid_value');
  // The community's figures follow.
  const one = await s.req('GET', `/api/v1/communities/${regular.community_code}`, { token: clerk });
  assert.equal(one.status, 200, one.text);
  assert.ok(one.json.findings_by_rule.unregistered_regular >= 1);
  expectError(await s.req('GET', '/api/v1/communities/460199999999', { token: clerk }), 404, 'unknown_community');
  const act = await s.req('GET', `/api/v1/communities/${regular.community}/activity?day=2025-12-15`, { token: clerk });
  assert.equal(act.status, 200, act.text);
  assert.equal(act.json.people_in.length, 24);
  assert.ok(act.json.people_in.reduce((a, b) => a + b, 0) > 0);
  expectError(await s.req('GET', `/api/v1/communities/${regular.community}/activity?day=15.12.2025`, { token: clerk }), 422, 'invalid_time');
});

test('communities: alarms raise and clear once, with specific errors', async () => {
  const code = ct.overdue_alarms[0].community;
  const before_ = await s.req('GET', `/api/v1/communities/alarms?community=${code}&status=all`, { token: clerk });
  const n = before_.json.alarms.length;
  expectError(await s.req('POST', '/api/v1/communities/alarms', { token: clerk, body: { community_code: code, device: 'D9', kind: 'flood' } }),
    422, 'invalid_kind');
  expectError(await s.req('POST', '/api/v1/communities/alarms', { token: clerk, body: { community_code: 'SQ99999', device: 'D9', kind: 'smoke' } }),
    404, 'unknown_community');
  expectError(await s.req('POST', '/api/v1/communities/alarms', { token: clerk, body: { community_code: code, device: 'D9', kind: 'smoke', raised_at: 'yesterday' } }),
    422, 'invalid_time');
  expectError(await s.req('POST', '/api/v1/communities/alarms', { token: inv, body: { community_code: code, device: 'D9', kind: 'smoke' } }),
    403, 'permission_denied');
  const up = await s.req('POST', '/api/v1/communities/alarms', { token: clerk, body: { community_code: code, device: 'D9', kind: 'smoke', raised_at: '2025-12-31T23:40:00' } });
  assert.equal(up.status, 201, up.text);
  assert.equal(up.json.target_minutes, 10);
  expectError(await s.req('POST', `/api/v1/communities/alarms/${up.json.id}/clear`, { token: clerk, body: { cleared_at: '2025-12-31T23:00:00' } }),
    422, 'invalid_time');
  const cl = await s.req('POST', `/api/v1/communities/alarms/${up.json.id}/clear`, { token: clerk, body: { cleared_at: '2025-12-31T23:48:00', note: '烟感误报' } });
  assert.equal(cl.status, 200, cl.text);
  assert.equal(cl.json.minutes, 8);
  assert.equal(cl.json.overdue, false);
  expectError(await s.req('POST', `/api/v1/communities/alarms/${up.json.id}/clear`, { token: clerk, body: {} }), 409, 'already_cleared');
  expectError(await s.req('POST', '/api/v1/communities/alarms/999999/clear', { token: clerk, body: {} }), 404, 'unknown_alarm');
  const after_ = await s.req('GET', `/api/v1/communities/alarms?community=${code}&status=all`, { token: clerk });
  assert.equal(after_.json.alarms.length, n + 1);
});

test('a watched plate at a community barrier raises an alert like at a checkpoint', async () => {
  const plate = ct.watch_plate;
  const e = await s.req('POST', '/api/v1/watchlist', {
    token: inv,
    body: { entity: `PLATE:${plate}`, reason: '涉嫌盗窃车辆', legal_basis: '《公安机关办理刑事案件程序规定》',
      expires_at: new Date(Date.now() + 86400000).toISOString() },
  });
  assert.equal(e.status, 201, e.text);
  assert.equal((await s.req('POST', `/api/v1/watchlist/${e.json.id}/approve`, { token: cmd })).status, 200);
  const community = ct.unregistered_regulars[1].community;
  const up = await s.req('POST', '/api/v1/sources/barrier/records',
    csvBody(admin, `community_code,gate,plate,direction,passed_at\n${community},车行东门,${plate},in,2026-01-01T08:00:00\n`));
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.accepted, 1, up.text);
  let alert;
  for (let i = 0; i < 50 && !alert; ++i) {
    const list = await s.req('GET', '/api/v1/alerts', { token: inv });
    alert = list.json.items.find((a) => a.entity === `PLATE:${plate}` && a.source === 'barrier');
    if (!alert) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(alert, 'no alert from the barrier');
  assert.equal(alert.place, community);
});
