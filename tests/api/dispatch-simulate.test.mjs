// `jingwu simulate dispatch` drives a running server through the HTTP API:
// it adds units, records and dispatches calls, moves units, and reports
// latency and stream delivery with nothing missing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { BIN, PASSWORD, startServer } from './lib/server.mjs';

let s;

before(async () => {
  s = await startServer({ users: [{ username: 'sim', roles: ['dispatcher'] }, { username: 'investigator', roles: ['investigator'] }] });
});
after(async () => {
  await s?.stop();
});

test('a short fast simulation creates units and incidents and reports its figures', async () => {
  const r = spawnSync(BIN, ['simulate', 'dispatch', '--url', s.url, '--user', 'sim', '--password-stdin',
    '--calls-per-hour', '1200', '--speed', '60', '--minutes', '0.1', '--units', '12', '--flat'],
  { input: PASSWORD + '\n', encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^jingwu simulate dispatch: 0\.1 min at speed 60\.0, 12 units$/m);
  const calls = Number(/calls (\d+)/.exec(r.stdout)[1]);
  assert.ok(calls >= 3, r.stdout);
  assert.match(r.stdout, /POST \/api\/v1\/dispatch\/units\/\{id\}\/position/);
  assert.match(r.stdout, /missing 0$/m, 'every change reached the stream');
  const tok = await s.login('sim');
  const units = await s.req('GET', '/api/v1/dispatch/units', { token: tok });
  assert.equal(units.json.total, 12);
  const all = await s.req('GET', '/api/v1/dispatch/incidents?status=all', { token: tok });
  assert.equal(all.json.total, calls);
  assert.ok(all.json.items.some((i) => i.assignments.length > 0), 'some incident was dispatched');
});

test('the simulator refuses a user without dispatch permissions', async () => {
  const r = spawnSync(BIN, ['simulate', 'dispatch', '--url', s.url, '--user', 'investigator', '--password', PASSWORD,
    '--minutes', '0.05'], { encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /dispatch\.read/);
});
