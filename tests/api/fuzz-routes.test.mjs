// Bad input to every route: each path parameter, query parameter and JSON
// body field of the server's own route table (GET /api/v1/_test/routes, only
// with --test-clock) is sent values of the wrong type, out of range, huge,
// empty, with NUL and invalid UTF-8, as every role. No answer may be a 5xx,
// every error has the one error shape, and the server stays up. The field
// names come from the routes' source (every "snake_case" literal in
// src/*/routes.cpp), so a new field is fuzzed without editing this file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { REPO, genCity, startServer } from './lib/server.mjs';

let s;
let city;
const tokens = {};
const ROLES = ['admin', 'commander', 'dispatcher', 'investigator', 'analyst', 'service_clerk', 'inspector', 'custody_officer'];

before(async () => {
  city = genCity(5, 'jingwu-fuzz-');
  s = await startServer({
    users: ROLES.map((r) => ({ username: r.replace('_', '.'), roles: [r] })),
    beforeStart: (cli) => {
      const r = cli(['ingest', '--source', 'all', city.dir, '--quiet'], { timeout: 120000 });
      assert.equal(r.code, 0, r.stderr);
    },
  });
  for (const r of ROLES) tokens[r] = await s.login(r.replace('_', '.'));
  const reg = await s.req('POST', '/api/v1/citizen/register',
    { body: { phone: '13900139077', password: 'citizen-pass-1', id_number: '46010619980512017X', name: '测试' } });
  if (reg.status === 201) {
    const l = await s.req('POST', '/api/v1/citizen/login', { body: { phone: '13900139077', password: 'citizen-pass-1' } });
    tokens.citizen = l.json.token;
  }
});
after(async () => {
  await s?.stop();
  fs.rmSync(city.dir, { recursive: true, force: true });
});

// Field names: every lower_snake string literal in a routes file.
const namesCache = new Map();
function fieldNames(file) {
  if (!namesCache.has(file)) {
    const names = new Set();
    for (const m of fs.readFileSync(path.join(REPO, 'src', file), 'utf8').matchAll(/"([a-z][a-z0-9_]{1,40})"/g)) names.add(m[1]);
    namesCache.set(file, [...names]);
  }
  return namesCache.get(file);
}

const HUGE = '99999999999999999999';
const VALUES = ['x', 1, -1, 0, 1e308, -1e308, 3.5, Number(HUGE), true, false, null, [], {}, ['x', 1], { a: { b: [] } },
  '', HUGE, '-1', '2020-02-30T25:61:00', 'a\u0000b', '\u3000', 'x'.repeat(5000), '%', '../../etc/passwd',
  'ID:460106198503120012', 'PLATE:琼A12345'];

// Values for a route's path groups, by the group's own pattern.
function groupValues(group) {
  if (/\\d/.test(group)) return ['999999', '0', HUGE, '00000000000000000000001'];
  if (group.includes('.+')) return ['ID%3A460106198503120012', '%00', 'x'.repeat(3000), '%FF%FE', 'PASSPORT%3AXXX%2F1', 'a%2F..%2F..'];
  if (group.includes('A-Z')) return ['HZ001', 'ZZZZ9', 'A'.repeat(200)];
  return ['hotel', 'zz', 'a_b', 'x'.repeat(200)];
}

// Expands a route regex into concrete paths (each group replaced by its values).
function paths(pattern) {
  const groups = [];
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\' && i + 1 < pattern.length) {
      out += pattern[i + 1];
      i++;
    } else if (pattern[i] === '(') {
      let depth = 1;
      let j = i + 1;
      for (; j < pattern.length && depth; j++) {
        if (pattern[j] === '\\') j++;
        else if (pattern[j] === '(') depth++;
        else if (pattern[j] === ')') depth--;
      }
      groups.push(pattern.slice(i + 1, j - 1));
      out += `\u0001${groups.length - 1}\u0001`;
      i = j - 1;
    } else out += pattern[i];
  }
  if (!groups.length) return [out];
  const result = [];
  for (let g = 0; g < groups.length; g++) {
    for (const v of groupValues(groups[g])) {
      result.push(out.replace(/\u0001(\d+)\u0001/g, (_, k) => (Number(k) === g ? v : groupValues(groups[Number(k)])[0])));
    }
  }
  return result;
}

const QUERIES = [
  `limit=${HUGE}&page=-1&page_size=abc&from=2020-13-45&to=notatime&q=%25&state=zz&depth=${HUGE}&entity=PLATE%3Abad&within=-5&min=${HUGE}`,
  'limit=0&from=2030-01-01&to=2020-01-01&by=zzz&format=xml&window=HT1,x,y&kind=%00&status=%FF&district_code=999999&q=_',
  'dims=zzz,yyy&measure=none&compare=zz&period=zz&year=99999&month=13&action=%00&actor=%FF&after=-1&mine=2&unacknowledged=x',
];
const HEADERS = { 'X-Purpose': '模糊测试', 'X-Case-No': 'FUZZ-2026-001' };

test('no route answers 5xx to bad input, as any role; errors keep their shape', async () => {
  const routes = (await s.req('GET', '/api/v1/_test/routes')).json.items;
  assert.ok(routes.length > 80, `routes: ${routes.length}`);
  const roles = (await s.req('GET', '/api/v1/roles', { token: tokens.admin })).json.items;
  // The role that may call a route (its handler runs), and one that may not.
  const holder = (perm) => (perm ? roles.find((r) => r.permissions.includes(perm))?.name : 'analyst');
  const outsider = (perm) => (perm ? roles.find((r) => !r.permissions.includes(perm))?.name : undefined);
  let sent = 0;
  const failures = [];
  const skip = new Set(['/api/v1/auth/logout', '/api/v1/alerts/stream', '/api/v1/audit/stream', '/api/v1/dispatch/stream',
    '/api/v1/_test/clock', '/api/v1/auth/password']);
  const check = (r, what) => {
    sent++;
    if (r.status >= 500) failures.push(`${what} -> ${r.status} ${r.text.slice(0, 200)}`);
    else if (r.status >= 400 && r.headers['content-type']?.startsWith('application/json')) {
      if (!r.json?.error?.code || !r.json?.error?.message) failures.push(`${what} -> ${r.status} bad error shape ${r.text.slice(0, 200)}`);
    }
  };
  const send = async (role, method, p, body) => {
    const opts = { token: role ? tokens[role] : undefined, headers: HEADERS };
    if (body !== undefined) opts.rawBody = body;
    check(await s.req(method, p, opts), `${role} ${method} ${p} ${String(body).slice(0, 80)}`);
  };
  for (const route of routes) {
    const { method, pattern, permission, file } = route;
    if (skip.has(pattern) || pattern.includes('/stream')) continue;
    const citizen = pattern.startsWith('/api/v1/citizen');
    const who = citizen ? ['citizen', undefined] : [...new Set([holder(permission), outsider(permission), route.auth ? undefined : 'analyst'])];
    const main = citizen ? 'citizen' : holder(permission);
    const names = fieldNames(file);
    const bodies = [undefined, '', 'null', '[]', '"x"', '{', '{"a":', '\u0000', Buffer.from([0xff, 0xfe, 0x7b, 0x7d])];
    for (const v of VALUES) bodies.push(JSON.stringify(Object.fromEntries(names.map((n) => [n, v]))));
    const all = paths(pattern);
    for (const p of all) {
      const write = method !== 'GET' && method !== 'DELETE';
      for (const role of who) {
        if (!write) {
          await send(role, method, p);
          for (const q of QUERIES) await send(role, method, `${p}?${q}`);
        } else {
          await send(role, method, p, '{}');
        }
      }
      if (write && p === all[0]) {
        for (const b of bodies) await send(main, method, p, b);
        // Each field alone with a wrong-type value, the others absent.
        for (const n of names)
          for (const v of ['x', -1, [], HUGE, 1.5]) await send(main, method, p, JSON.stringify({ [n]: v }));
      }
    }
  }
  console.log(`route fuzz: ${routes.length} routes, ${sent} requests, ${failures.length} 5xx or malformed errors`);
  assert.deepEqual(failures.slice(0, 20), []);
  // Still up, and no internal error counted.
  assert.equal((await s.req('GET', '/healthz')).status, 200);
  const m = await s.req('GET', '/api/v1/system/metrics', { token: tokens.admin });
  assert.equal(m.json.by_status['500'] ?? 0, 0, JSON.stringify(m.json.errors));
  // The tokens are still good (nothing in the fuzz ended a session it should not).
  for (const r of ROLES) assert.equal((await s.req('GET', '/api/v1/auth/me', { token: tokens[r] })).status, 200, r);
});
