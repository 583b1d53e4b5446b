// Statistics through the API on the demo city (`jingwu gen` + `jingwu cases
// import`): the published figures come out of the records; the public page
// needs no login and suppresses small cells.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { BIN, expectError, startServer } from './lib/server.mjs';

let s;
let analyst;
let disp;
const genDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jingwu-gen-'));

before(async () => {
  const g = spawnSync(BIN, ['gen', '--out', genDir, '--seed', '1'], { encoding: 'utf8' });
  assert.equal(g.status, 0, g.stderr);
  s = await startServer({
    users: [{ username: 'analyst', roles: ['analyst'] }, { username: 'dispatcher', roles: ['dispatcher'] }],
    beforeStart: (cli) => {
      const r = cli(['cases', 'import', '--from', genDir], { timeout: 300000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /imported \d+ cases, 71 gangs/);
    },
  });
  analyst = await s.login('analyst');
  disp = await s.login('dispatcher');
});
after(async () => {
  await s?.stop();
  fs.rmSync(genDir, { recursive: true, force: true });
});

const q = (params) => '/api/v1/stats?' + new URLSearchParams(params).toString();
const Y = { from: '2015-01-01', to: '2020-12-31' };

test('criminal cases: 15,862 in 2015, 10,325 in 2019 (-34.9%), by filing date', async () => {
  const r = await s.req('GET', q({ measure: 'cases', group: 'year', kind: 'criminal', ...Y }), { token: analyst });
  assert.equal(r.status, 200, r.text);
  const by = Object.fromEntries(r.json.rows.map((x) => [x.period, x.value]));
  assert.equal(by['2015'], 15862);
  assert.equal(by['2019'], 10325);
  assert.equal(Math.round((by['2019'] - by['2015']) / by['2015'] * 1000) / 10, -34.9);
  assert.equal(r.json.basis, 'filed');
  assert.match(r.json.basis_note, /立案/);
});

test('public-order cases: 22,557 -> 16,805 (-25.5%)', async () => {
  const r = await s.req('GET', q({ group: 'year', kind: 'public_order', ...Y }), { token: analyst });
  const by = Object.fromEntries(r.json.rows.map((x) => [x.period, x.value]));
  assert.equal(by['2015'], 22557);
  assert.equal(by['2019'], 16805);
  assert.equal(Math.round((by['2019'] - by['2015']) / by['2015'] * 1000) / 10, -25.5);
});

test('gangs: 62 broken up in 2016-2020, 11 mafia-type; 9 smuggling rings with 40 members in 2020', async () => {
  const r = await s.req('GET', q({ measure: 'gangs', group: 'type', from: '2016-01-01', to: '2020-12-31' }), { token: analyst });
  const by = Object.fromEntries(r.json.rows.map((x) => [x.type, x.value]));
  assert.equal(by.mafia + by.evil, 62);
  assert.equal(by.mafia, 11);
  const rings = await s.req('GET', q({ measure: 'gang_members', type: 'smuggling', from: '2020-01-01', to: '2020-12-31' }),
    { token: analyst });
  assert.equal(rings.json.rows[0].value, 40);
  const n = await s.req('GET', q({ measure: 'gangs', type: 'smuggling', from: '2020-01-01', to: '2020-12-31' }), { token: analyst });
  assert.equal(n.json.rows[0].value, 9);
});

test('road deaths per 10,000 vehicles fall every year', async () => {
  const r = await s.req('GET', q({ measure: 'death_rate', group: 'year', ...Y }), { token: analyst });
  const v = r.json.rows.map((x) => x.value);
  assert.equal(v.length, 6);
  for (let i = 1; i < v.length; i++) assert.ok(v[i] < v[i - 1], `${r.json.rows[i].period}: ${v[i]} < ${v[i - 1]}`);
});

test('year-over-year by month: previous equals the same month a year earlier', async () => {
  const r = await s.req('GET', q({ group: 'month', kind: 'criminal', from: '2019-01-01', to: '2019-12-31', compare: 'yoy' }),
    { token: analyst });
  const prev = await s.req('GET', q({ group: 'month', kind: 'criminal', from: '2018-01-01', to: '2018-12-31' }), { token: analyst });
  assert.equal(r.json.rows.length, 12);
  r.json.rows.forEach((row, i) => {
    assert.equal(row.previous, prev.json.rows[i].value);
    assert.equal(row.change, row.value - row.previous);
  });
  assert.equal(r.json.rows.reduce((a, x) => a + x.value, 0), 10325);
});

test('drill-down: the case list behind a cell has the same count', async () => {
  const cell = await s.req('GET', q({ group: 'district', kind: 'criminal', category: 'fraud', from: '2019-03-01', to: '2019-03-31' }),
    { token: analyst });
  const row = cell.json.rows.find((x) => x.district === '460108');
  const list = await s.req('GET', '/api/v1/cases?' + new URLSearchParams({
    kind: 'criminal', category: 'fraud', district: '460108', basis: 'filed', from: '2019-03-01', to: '2019-04-01',
  }), { token: analyst });
  assert.equal(list.status, 200);
  assert.equal(list.json.total, row.value);
  assert.ok(row.value > 0);
});

test('CSV export', async () => {
  const r = await s.req('GET', q({ group: 'year', kind: 'criminal', ...Y, format: 'csv' }), { token: analyst });
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /text\/csv/);
  const lines = r.text.trim().split('\n');
  assert.equal(lines[0], 'period,value,previous,change,change_pct,suppressed');
  assert.equal(lines[1], '2015,15862,,,,0');
  assert.equal(lines.length, 7);
});

test('errors and permissions', async () => {
  expectError(await s.req('GET', q({ measure: 'arrests', ...Y }), { token: analyst }), 422, 'unknown_measure');
  expectError(await s.req('GET', q({ group: 'weekday', ...Y }), { token: analyst }), 422, 'unknown_dimension');
  expectError(await s.req('GET', q({ compare: 'mom', ...Y }), { token: analyst }), 422, 'unknown_compare');
  expectError(await s.req('GET', q({ district: '460100', ...Y }), { token: analyst }), 422, 'unknown_district');
  expectError(await s.req('GET', q({ from: '2019-02-29', to: '2019-12-31' }), { token: analyst }), 422, 'invalid_time');
  expectError(await s.req('GET', q({ ...Y }), { token: disp }), 403, 'permission_denied');
  expectError(await s.req('GET', q({ ...Y })), 401, 'unauthenticated');
});

test('public page: no login, whole years, one dimension, cells under 5 suppressed with a sibling', async () => {
  const pub = (params) => s.req('GET', '/api/v1/public/stats?' + new URLSearchParams(params));
  const r = await pub({ group: 'year,kind', ...Y });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.rows.find((x) => x.period === '2019' && x.kind === 'criminal').value, 10325);
  const gangs = await pub({ measure: 'gangs', group: 'year,type', ...Y });
  const mafia2017 = gangs.json.rows.find((x) => x.period === '2017' && x.type === 'mafia');
  assert.equal(mafia2017.value, null);  // one mafia-type gang that year
  assert.equal(mafia2017.suppressed, true);
  assert.equal(mafia2017.suppression, 'small');
  const evil2017 = gangs.json.rows.find((x) => x.period === '2017' && x.type === 'evil');
  assert.equal(evil2017.suppression, 'complementary');  // 6 shown beside the year's 7 would reveal the 1
  for (const year of ['2015', '2016', '2017', '2018', '2019', '2020']) {
    const cells = gangs.json.rows.filter((x) => x.period === year);
    for (const c of cells) assert.ok(c.value === null || c.value === 0 || c.value >= 5, JSON.stringify(c));
    // One hidden cell alone could be recovered from the year's total: never exactly one.
    assert.notEqual(cells.filter((c) => c.suppressed).length, 1, `${year}: ${JSON.stringify(cells)}`);
  }
  assert.equal(gangs.json.total, null);
  // What would let small groups be recovered by subtraction is refused.
  expectError(await pub({ group: 'year', kind: 'criminal', ...Y }), 422, 'validation_failed');  // filters
  expectError(await pub({ group: 'year', from: '2019-01-01', to: '2019-06-30' }), 422, 'validation_failed');  // part years
  expectError(await pub({ group: 'month', from: '2019-01-01', to: '2019-12-31' }), 422, 'bad_group');
  expectError(await pub({ group: 'year,kind,district', ...Y }), 422, 'bad_group');
  expectError(await pub({ group: 'year', compare: 'yoy', ...Y }), 422, 'unknown_compare');
  expectError(await pub({ measure: 'clearance', group: 'year', ...Y }), 422, 'unknown_measure');
  expectError(await pub({ group: 'year,status', ...Y }), 422, 'unknown_dimension');
});
