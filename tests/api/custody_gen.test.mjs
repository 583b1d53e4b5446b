// The generated custody facilities through the server (docs/custody.md,
// "Generated data"): `jingwu custody import --shift-to-now` loads them with
// every planted bad row refused by reason; a second import adds nothing; the
// alerts the API returns are exactly the planted problems (custody past its
// limit first); facility occupancy matches the people held.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { genCity, startServer, importReport } from './lib/server.mjs';

let s, cmd, officer, gen, truth;
const imports = [];
const purpose = { 'X-Purpose': encodeURIComponent('监所安全检查') };

before(async () => {
  gen = genCity(3, 'jingwu-custody-gen-');
  truth = JSON.parse(fs.readFileSync(path.join(gen.dir, 'custody_truth.json'), 'utf8'));
  s = await startServer({
    users: [
      { username: 'cmd', roles: ['commander'] },
      { username: 'officer', roles: ['custody_officer'] },
    ],
    beforeStart: (cli) => {
      const c = cli(['cases', 'import', '--from', gen.dir], { timeout: 600000 });
      assert.equal(c.code, 0, c.stderr + c.stdout);
      for (let i = 0; i < 2; i++) {
        const r = cli(['custody', 'import', '--from', gen.dir, '--shift-to-now'], { timeout: 600000 });
        assert.equal(r.code, 0, r.stderr + r.stdout);
        imports.push(importReport(r.stdout, 'custody_'));
      }
    },
  });
  [cmd, officer] = await Promise.all(['cmd', 'officer'].map((u) => s.login(u)));
});
after(async () => {
  await s?.stop();
  fs.rmSync(gen.dir, { recursive: true, force: true });
});

test('the import refuses every planted bad row with its reason, and a second import adds nothing', () => {
  const [first, second] = imports;
  assert.deepEqual(Object.keys(first).sort(), ['custody_detainees.csv', 'custody_events.csv', 'custody_extensions.csv',
    'custody_facilities.csv', 'custody_rooms.csv']);
  for (const file of ['custody_detainees.csv', 'custody_extensions.csv', 'custody_events.csv'])
    assert.deepEqual(first[file].rejected, truth.rejects[file], file);
  assert.equal(first['custody_facilities.csv'].accepted, 3);
  assert.equal(first['custody_detainees.csv'].accepted, truth.admitted);
  for (const [file, r] of Object.entries(second)) {
    assert.equal(r.accepted, 0, file);
    assert.equal(r.already, first[file].accepted, file);
    assert.deepEqual(r.rejected, first[file].rejected, file);
  }
});

test('the alerts are exactly the planted problems, custody past its limit first', async () => {
  // Detainee alerts name the person; the files map refs to ID numbers.
  const rows = fs.readFileSync(path.join(gen.dir, 'custody_detainees.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  const col = rows[0].indexOf('id_number');
  const idOf = Object.fromEntries(rows.slice(1).map((r) => [r[0], r[col]]));
  const r = await s.req('GET', '/api/v1/custody/alerts', { token: cmd, headers: purpose });
  assert.equal(r.status, 200, r.text);
  const found = {};
  for (const a of r.json.alerts)
    (found[a.kind] ||= []).push(a.detainee_id ? a.detail.person.replace(/^ID:/, '') : `${a.facility_code}/${a.room}`);
  const planted = {};
  for (const [kind, keys] of Object.entries(truth.alerts))
    planted[kind] = keys.map((k) => (k.includes('/') ? k : idOf[k]));
  for (const kind of Object.keys({ ...planted, ...found }))
    assert.deepEqual((found[kind] || []).sort(), (planted[kind] || []).sort(), kind);
  assert.equal(r.json.alerts[0].kind, 'overdue');
  assert.equal(r.json.alerts[0].severity, 'critical');
  assert.ok(r.json.alerts[0].detail.hours_left < -3, JSON.stringify(r.json.alerts[0]));
});

test('occupancy and the people held match the records', async () => {
  const held = await s.req('GET', '/api/v1/custody/detainees', { token: officer, headers: purpose });
  assert.equal(held.status, 200, held.text);
  assert.equal(held.json.detainees.length, truth.held);
  const f = await s.req('GET', '/api/v1/custody/facilities', { token: cmd });
  assert.equal(f.status, 200, f.text);
  assert.equal(f.json.facilities.reduce((n, x) => n + x.occupants, 0), truth.held);
  // The transitional room holds three in two places: the third admitted with a recorded override.
  const kss = await s.req('GET', '/api/v1/custody/facilities/KSS-HK01', { token: cmd });
  const room = kss.json.rooms.find((x) => x.room === '109');
  assert.deepEqual([room.capacity, room.occupants], [2, 3]);
  const over = held.json.detainees.filter((d) => d.over_capacity_reason);
  assert.deepEqual(over.map((d) => d.over_capacity_reason), ['临时收押，监室调整中']);
});
