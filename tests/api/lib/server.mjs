// Shared helper for the jingwu API tests: starts a real `jingwu serve` on a
// fresh data folder (SQLite, or a fresh PostgreSQL database when
// JINGWU_TEST_DB=postgres), creates users with the CLI first, and offers
// small HTTP, CLI and SQL helpers. No npm dependencies.
//
//   const s = await startServer({ users: [...], config: {...} });
//   const tok = await s.login('admin', PASSWORD);
//   const r = await s.req('GET', '/api/v1/users', { token: tok });
//   await s.stop();   // SIGTERM; asserts a clean exit (code 0) within 10 s
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = path.resolve(REPO, process.env.JINGWU_BIN || 'build/jingwu');
export const BACKEND = (process.env.JINGWU_TEST_DB || 'sqlite').toLowerCase();

// One password for every test account (Argon2id makes each check ~0.1 s).
export const PASSWORD = 'correct-horse-battery';

// The accounts most files need; each file may pass its own list.
export const DEFAULT_USERS = [
  { username: 'admin', roles: ['admin'] },
  { username: 'inspector', roles: ['inspector'] },
  { username: 'dispatcher', roles: ['dispatcher'] },
  { username: 'investigator', roles: ['investigator'] },
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Servers still running when the test process exits (a crashed file) are killed.
const live = new Set();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

function pgPort() {
  if (process.env.JINGWU_TEST_PG_PORT) return process.env.JINGWU_TEST_PG_PORT;
  const url = process.env.JINGWU_TEST_PG_URL;
  if (url) return new URL(url).port || '5432';
  throw new Error('JINGWU_TEST_DB=postgres needs JINGWU_TEST_PG_URL / JINGWU_TEST_PG_PORT (scripts/pg.sh start)');
}

function pgTool(tool, args, opts = {}) {
  // Trust authentication on 127.0.0.1: works as any OS user. Fall back to
  // running as postgres only if the plain call fails (e.g. a missing HOME).
  let r = spawnSync(tool, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0 && process.getuid && process.getuid() === 0) {
    const r2 = spawnSync('runuser', ['-u', 'postgres', '--', tool, ...args], { encoding: 'utf8', ...opts });
    if (r2.status === 0) r = r2;
  }
  return r;
}

export function createPgDatabase() {
  const port = pgPort();
  const name = 'jw_' + crypto.randomBytes(6).toString('hex');
  const r = pgTool('createdb', ['-h', '127.0.0.1', '-p', port, '-U', 'postgres', name]);
  if (r.status !== 0) throw new Error(`createdb ${name} failed: ${r.stderr || r.error}`);
  return { name, port, url: `postgresql://postgres@127.0.0.1:${port}/${name}` };
}

// Header values go out as bytes: a value with characters above U+00FF
// (X-Purpose: 案件核查) is sent as its UTF-8 bytes, as curl or a proxy would.
function headerValue(v) {
  const s = String(v);
  return /[^\u0000-\u00ff]/.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

/**
 * Starts a server. Options:
 *   db:     'sqlite' | 'postgres' (default from JINGWU_TEST_DB)
 *   users:  [{username, roles: [..], password?}] created with the CLI before starting
 *   config: object written to DATA/config.json before starting
 *   testClock: false to start without --test-clock (as in production)
 *   beforeStart: (cli) => void, run after the users are created (e.g. an import)
 *   dataDir, pg: an existing data folder (and createPgDatabase() result) to serve, e.g. a restored backup
 *   tls:    true to serve HTTPS with a certificate from `jingwu cert self-signed`
 *           (requests then trust that certificate only)
 */
// `jingwu gen --scale small` into a fresh temp folder: {dir, truth} (truth.json parsed).
export function genCity(seed, prefix = 'jingwu-gen-', { communities = false, health = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const g = spawnSync(BIN, ['gen', '--out', dir, '--seed', String(seed), '--scale', 'small'], { encoding: 'utf8' });
  assert.equal(g.status, 0, g.stderr);
  // The smart communities' 640,000 gate passes are sources defined as data (NAME.source.json):
  // without the definitions `ingest --source all` leaves them out, as the suites that do not
  // test them want (the search index then catches up in seconds, not a minute).
  if (!communities) for (const f of ['access.source.json', 'barrier.source.json']) fs.rmSync(path.join(dir, f), { force: true });
  // The same for the epidemic checkpoints' 190,000 checks (health_checkpoint.source.json).
  if (!health) fs.rmSync(path.join(dir, 'health_checkpoint.source.json'), { force: true });
  return { dir, truth: JSON.parse(fs.readFileSync(path.join(dir, 'truth.json'), 'utf8')) };
}

export async function startServer(opts = {}) {
  const db = (opts.db || BACKEND).toLowerCase();
  if (db !== 'sqlite' && db !== 'postgres') throw new Error(`unknown backend ${db}`);
  // opts.dataDir / opts.pg: serve an existing folder and database (a restored backup).
  const dataDir = opts.dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'jingwu-api-'));
  let pg = opts.pg || null;
  if (db === 'postgres' && !pg) pg = createPgDatabase();
  const dbArgs = pg ? ['--db', pg.url] : [];
  if (opts.config) fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify(opts.config));

  const cli = (args, { input, timeout = 30000 } = {}) => {
    const full = [...args, '--data', dataDir, ...dbArgs];
    const r = spawnSync(BIN, full, { encoding: 'utf8', input, timeout });
    if (r.error) throw new Error(`cannot run ${BIN}: ${r.error.message}`);
    return { code: r.status, signal: r.signal, stdout: r.stdout || '', stderr: r.stderr || '' };
  };

  const users = opts.users || DEFAULT_USERS;
  for (const u of users) {
    const r = cli(['user', 'add', '--username', u.username, '--roles', u.roles.join(','), '--password',
      u.password || PASSWORD]);
    if (r.code !== 0) throw new Error(`user add ${u.username} failed (${r.code}): ${r.stderr}${r.stdout}`);
  }

  if (opts.beforeStart) opts.beforeStart(cli);
  let tls = null;
  if (opts.tls) {
    const r = spawnSync(BIN, ['cert', 'self-signed', '--data', dataDir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cert self-signed failed: ${r.stderr}`);
    tls = { ca: fs.readFileSync(path.join(dataDir, 'tls', 'cert.pem')) };
  }

  const outFile = path.join(dataDir, 'server.out');
  const errFile = path.join(dataDir, 'server.err');
  const outFd = fs.openSync(outFile, 'w');
  const errFd = fs.openSync(errFile, 'w');
  const serveArgs = ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', ...dbArgs];
  if (opts.testClock !== false) serveArgs.push('--test-clock');
  const proc = spawn(BIN, serveArgs, {
    stdio: ['ignore', outFd, errFd],
  });
  fs.closeSync(outFd);
  fs.closeSync(errFd);
  live.add(proc);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      live.delete(proc);
      exited = { code, signal };
      resolve(exited);
    });
  });

  // The port from "jingwu serving http://127.0.0.1:PORT/ ...".
  let url = null;
  const deadline = Date.now() + 15000;
  while (!url) {
    if (exited) {
      throw new Error(`jingwu serve exited early (${JSON.stringify(exited)}):\n${fs.readFileSync(errFile, 'utf8')}`);
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error('jingwu serve did not print its address within 15 s');
    }
    const m = /jingwu serving (https?:\/\/127\.0\.0\.1:(\d+))\//.exec(fs.readFileSync(outFile, 'utf8'));
    if (m) url = m[1];
    else await sleep(20);
  }
  const port = Number(new URL(url).port);
  for (;;) {
    try {
      const r = await httpRequest(port, 'GET', '/healthz', {}, undefined, { tls });
      if (r.status === 200) break;
    } catch {}
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error('GET /healthz never answered 200');
    }
    await sleep(20);
  }

  // One request on its own connection (Connection: close), so that no idle
  // keep-alive connection outlives the test (see shutdown.test.mjs).
  async function req(method, p, { token, body, headers = {}, rawBody } = {}) {
    const h = {};
    for (const [k, v] of Object.entries(headers)) h[k] = headerValue(v);
    if (token) h.Authorization = `Bearer ${token}`;
    let payload;
    if (rawBody !== undefined) payload = Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody, 'utf8');
    else if (body !== undefined) payload = Buffer.from(JSON.stringify(body), 'utf8');
    if (payload !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type'))
      h['Content-Type'] = 'application/json';
    return httpRequest(port, method, p, h, payload, { tls });
  }

  async function loginRaw(username, password = PASSWORD, totp) {
    const body = { username, password };
    if (totp !== undefined) body.totp = totp;
    return req('POST', '/api/v1/auth/login', { body });
  }

  async function login(username, password = PASSWORD, totp) {
    const r = await loginRaw(username, password, totp);
    assert.equal(r.status, 200, `login ${username}: ${r.status} ${r.text}`);
    assert.equal(typeof r.json.token, 'string');
    return r.json.token;
  }

  // Moves the server's test clock forward; returns the new server time.
  async function advance(seconds) {
    const r = await req('POST', '/api/v1/_test/clock', { body: { advance_seconds: seconds } });
    assert.equal(r.status, 200, `advance clock: ${r.status} ${r.text}`);
    return r.json.now;
  }

  async function stop() {
    try {
      if (!exited) {
        proc.kill('SIGTERM');
        let timer;
        const timeout = new Promise((r) => {
          timer = setTimeout(() => r('timeout'), 10000);
        });
        const res = await Promise.race([exitPromise, timeout]);
        clearTimeout(timer);
        if (res === 'timeout') {
          proc.kill('SIGKILL');
          await exitPromise;
          assert.fail(`jingwu serve did not exit within 10 s of SIGTERM\n${tail(errFile)}`);
        }
      }
      assert.equal(exited.signal, null, `jingwu serve died of ${exited.signal}\n${tail(errFile)}`);
      assert.equal(exited.code, 0, `jingwu serve exit code ${exited.code}\n${tail(errFile)}`);
    } finally {
      if (!process.env.JINGWU_TEST_KEEP) {
        if (pg) pgTool('dropdb', ['-h', '127.0.0.1', '-p', pg.port, '-U', 'postgres', '--if-exists', pg.name]);
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    }
  }

  return {
    url,
    port,
    dataDir,
    db,
    dbUrl: pg ? pg.url : null,
    dbName: pg ? pg.name : null,
    pgPort: pg ? pg.port : null,
    proc,
    errFile,
    tls,
    cli,
    req,
    login,
    loginRaw,
    advance,
    stop,
    get exited() {
      return exited;
    },
  };
}

function tail(file, n = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

// Runs SQL directly in the server's database, bypassing the product.
// Returns stdout (rows '|'-separated, unaligned).
export function sqlExec(server, sql) {
  let r;
  if (server.db === 'postgres') {
    r = pgTool('psql', ['-h', '127.0.0.1', '-p', server.pgPort, '-U', 'postgres', '-d', server.dbName, '-v',
      'ON_ERROR_STOP=1', '-X', '-A', '-t', '-c', sql]);
  } else {
    r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', path.join(server.dataDir, 'jingwu.db'), sql],
      { encoding: 'utf8' });
  }
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`sqlExec failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

// ---- audit helpers -------------------------------------------------------

// GET /api/v1/audit with a query object; asserts 200; returns {items, total}.
export async function auditQuery(s, token, query = {}) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) qs.set(k, String(v));
  const q = qs.toString();
  const r = await s.req('GET', '/api/v1/audit' + (q ? '?' + q : ''), { token });
  assert.equal(r.status, 200, `GET /api/v1/audit?${q}: ${r.status} ${r.text}`);
  assert.ok(Array.isArray(r.json.items));
  assert.equal(typeof r.json.total, 'number');
  return r.json;
}

// The id of the newest audit entry (the read writes an audit.read entry after it).
export async function lastAuditId(s, token) {
  const { items } = await auditQuery(s, token, { page_size: 1 });
  return items.length ? items[0].id : 0;
}

// Entries matching the filter with id > since, oldest first.
export async function auditSince(s, token, since, filter = {}) {
  const { items } = await auditQuery(s, token, { ...filter, page_size: 500 });
  return items.filter((e) => e.id > since).reverse();
}

const ISO_UTC_MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

// Asserts that exactly one entry with this action/actor appeared after
// `since` and that it has the expected fields; returns it.
export async function expectAudit(s, token, since, expected) {
  const filter = { action: expected.action };
  if (expected.actor !== undefined) filter.actor = expected.actor;
  const found = await auditSince(s, token, since, filter);
  assert.equal(found.length, 1,
    `expected exactly one ${JSON.stringify(filter)} audit entry after id ${since}, got ${JSON.stringify(found)}`);
  const e = found[0];
  checkEntryShape(e);
  for (const [k, v] of Object.entries(expected)) assert.deepEqual(e[k], v, `audit ${expected.action}.${k}`);
  return e;
}

export function checkEntryShape(e) {
  assert.deepEqual(Object.keys(e).sort(),
    ['action', 'actor', 'at', 'case_no', 'client', 'detail', 'hash', 'id', 'outcome', 'purpose', 'role', 'target']);
  assert.match(e.at, ISO_UTC_MICROS);
  assert.match(e.hash, /^[0-9a-f]{64}$/);
  assert.equal(typeof e.id, 'number');
}

// Every error body is exactly {error: {code, message}} and has X-Request-Id.
export function expectError(r, status, code) {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${r.text}`);
  assert.ok(r.json && typeof r.json === 'object', `error body is JSON: ${r.text}`);
  assert.deepEqual(Object.keys(r.json), ['error'], `error body shape: ${r.text}`);
  assert.deepEqual(Object.keys(r.json.error).sort(), ['code', 'message'], `error body shape: ${r.text}`);
  assert.equal(r.json.error.code, code, `error code: ${r.text}`);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 0, 'error message is not empty');
  assert.match(r.headers['x-request-id'] || '', /^[0-9a-f]{16}$/, 'X-Request-Id');
  assert.match(r.headers['content-type'] || '', /^application\/json/);
}

// A plain HTTP/1.1 request with Connection: close, optionally from a chosen
// local address (127.0.0.x). Resolves {status, json, text, headers}; rejects on
// a socket error (the error carries any response that arrived first).
// With tls ({ca}), the request goes over HTTPS trusting only that certificate.
export function httpRequest(port, method, p, headers = {}, payload, { localAddress, tls } = {}) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    if (payload !== undefined) h['Content-Length'] = payload.length;
    const options = { host: '127.0.0.1', port, method, path: p, headers: h, localAddress, agent: false };
    const rq = (tls ? https : http).request(tls ? { ...options, ca: tls.ca, servername: 'localhost' } : options,
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json = null;
          if (text && (res.headers['content-type'] || '').includes('application/json')) {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;  // claimed JSON but is not
            }
          }
          resolve({ status: res.statusCode, json, text, headers: res.headers });
        });
      });
    rq.on('error', reject);
    if (payload !== undefined) rq.write(payload);
    rq.end();
  });
}

// Like s.req but from another local address, e.g. 127.0.0.2.
export function reqFrom(s, localAddress, method, p, { body, headers = {} } = {}) {
  const h = { ...headers };
  let payload;
  if (body !== undefined) {
    payload = Buffer.from(JSON.stringify(body), 'utf8');
    h['Content-Type'] = 'application/json';
  }
  return httpRequest(s.port, method, p, h, payload, { localAddress });
}

// The server's clock: GET /api/v1/system/info "time" (seconds precision).
export async function serverTime(s, token) {
  const r = await s.req('GET', '/api/v1/system/info', { token });
  assert.equal(r.status, 200, `system/info: ${r.status} ${r.text}`);
  const ms = Date.parse(r.json.time);
  assert.ok(Number.isFinite(ms), `system/info time ${r.json.time}`);
  return ms / 1000;
}

// file -> {rows, accepted, already, rejected: {reason: n}} from an import command's report lines
// ("  custody_events.csv   120 rows,   118 accepted,   0 already (rejected: invalid_time 2)").
export function importReport(stdout, prefix) {
  const out = {};
  const line = new RegExp(`^\\s+(${prefix}\\w+\\.csv)\\s+(\\d+) rows,\\s+(\\d+) accepted,\\s+(\\d+) already(?: \\(rejected: (.*)\\))?`);
  for (const l of stdout.split('\n')) {
    const m = l.match(line);
    if (!m) continue;
    const rejected = {};
    for (const part of (m[5] || '').split(', ').filter(Boolean)) {
      const [reason, n] = part.split(' ');
      rejected[reason] = Number(n);
    }
    out[m[1]] = { rows: Number(m[2]), accepted: Number(m[3]), already: Number(m[4]), rejected };
  }
  return out;
}
