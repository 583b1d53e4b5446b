// Soak: a bounded mixed load on one jingwu server for MINUTES minutes —
// the dispatch simulator (110 calls, dispatch, units moving; started by
// scripts/soak.sh) beside this script's analysts: trajectories, co-travel,
// one-box search, profiles, graphs and one-row uploads, on keep-alive
// connections as the web app uses them. Every 30 s it samples the server's
// RSS; at the end it prints errors, latency per kind (p50/p99) and whether RSS
// levelled off (the last third of the run against the middle third).
//
//   node bench/soak.mjs URL PID MINUTES GENDIR PASSWORD
// SOAK_NO_UPLOADS=1 replaces the uploads by profiles (to tell their effect apart).
// Loopback only; the loop ends by itself.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const [url, pid, minutesArg, genDir, password] = process.argv.slice(2);
const minutes = Number(minutesArg || 30);
const base = new URL(url);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname)) throw new Error('soak targets loopback only');
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const truth = JSON.parse(fs.readFileSync(path.join(genDir, 'truth.json'), 'utf8'));
const checkpoint = fs.readFileSync(path.join(genDir, 'places.csv'), 'utf8').split('\n')
  .find((l) => l.includes(',checkpoint,')).split(',')[0];
const people = [...new Set(truth.cotravel_groups.flatMap((g) => g.members))].slice(0, 50);
const names = fs.readFileSync(path.join(genDir, 'residents.csv'), 'utf8').split('\n').slice(1, 200)
  .map((l) => l.split(',')[2]).filter(Boolean);

function req(method, p, { token, body, headers = {} } = {}) {
  return new Promise((resolve) => {
    const h = { ...headers };
    if (token) h.Authorization = `Bearer ${token}`;
    let payload;
    if (body !== undefined) {
      payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      h['Content-Length'] = payload.length;
      if (!h['Content-Type']) h['Content-Type'] = 'application/json';
    }
    const t0 = process.hrtime.bigint();
    const r = http.request({ host: base.hostname, port: base.port, method, path: p, headers: h, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6,
        text: Buffer.concat(chunks).toString() }));
    });
    r.on('error', (e) => resolve({ status: 0, ms: Number(process.hrtime.bigint() - t0) / 1e6, text: String(e) }));
    if (payload) r.write(payload);
    r.end();
  });
}

const login = async (user) => JSON.parse((await req('POST', '/api/v1/auth/login', { body: { username: user, password } })).text).token;
const rss = () => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  } catch {
    return NaN;
  }
};

const analyst = await login('soak.analyst');
const admin = await login('soak.admin');
const CASE = { 'X-Purpose': "UTF-8''%E5%8E%8B%E5%8A%9B%E6%B5%8B%E8%AF%95", 'X-Case-No': 'SOAK-2026-001' };
const enc = encodeURIComponent;
let n = 0;
const kinds = {
  trajectory: () => req('GET', `/api/v1/analysis/trajectory?entity=${enc(people[n % people.length])}`, { token: analyst, headers: CASE }),
  cotravel: () => req('GET', `/api/v1/analysis/cotravel?entity=${enc(people[n % people.length])}&within=120&min=2`, { token: analyst, headers: CASE }),
  search: () => req('GET', `/api/v1/search?q=${enc(names[n % names.length])}`, { token: analyst, headers: CASE }),
  profile: () => req('GET', `/api/v1/entities/${enc(people[n % people.length])}`, { token: analyst, headers: CASE }),
  graph: () => req('GET', `/api/v1/entities/${enc(people[n % people.length])}/graph?depth=2&limit=10`, { token: analyst, headers: CASE }),
  upload: () => req('POST', '/api/v1/sources/vehicle_pass/records', {
    token: admin, headers: { 'Content-Type': 'text/csv' },
    body: `plate,checkpoint_code,passed_at\n琼S${String(n % 100000).padStart(5, '0')},${checkpoint},2026-06-01T${String(8 + (n % 12)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}:00\n`,
  }),
};
const lat = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
const win = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
const q = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};
const errors = {};
const samples = [];
const t0 = Date.now();
const end = t0 + minutes * 60000;
let nextSample = t0;
const order = ['trajectory', 'search', 'profile', 'upload', 'cotravel', 'search', 'graph', 'profile', 'upload', 'trajectory']
  .map((k) => (k === 'upload' && process.env.SOAK_NO_UPLOADS ? 'profile' : k));
while (Date.now() < end) {
  if (Date.now() >= nextSample) {
    const s = { minute: (Date.now() - t0) / 60000, rss_mb: rss(), requests: n };
    samples.push(s);
    // The window's p50 per kind tells which request slows down, if any.
    const p50s = Object.entries(win).filter(([, a]) => a.length).map(([k, a]) => `${k} ${q(a, 0.5).toFixed(1)}`).join(', ');
    console.log(`soak ${s.minute.toFixed(1)} min: ${n} requests, server RSS ${s.rss_mb.toFixed(0)} MiB, errors ${JSON.stringify(errors)}` +
      (p50s ? `; p50 ms: ${p50s}` : ''));
    for (const k of Object.keys(win)) win[k] = [];
    nextSample += 30000;
  }
  const kind = order[n % order.length];
  const r = await kinds[kind]();
  n++;
  lat[kind].push(r.ms);
  win[kind].push(r.ms);
  if (r.status !== 200) errors[`${kind} ${r.status}`] = (errors[`${kind} ${r.status}`] || 0) + 1;
}
samples.push({ minute: minutes, rss_mb: rss(), requests: n });

const third = (k) => samples.filter((s) => s.minute >= (k * minutes) / 3 && s.minute < ((k + 1) * minutes) / 3 + 0.01);
const mean = (xs) => xs.reduce((a, s) => a + s.rss_mb, 0) / Math.max(1, xs.length);
const middle = mean(third(1));
const last = mean(third(2));
console.log(`\nsoak: ${minutes} min, ${n} requests (${(n / (minutes * 60)).toFixed(0)}/s), errors ${JSON.stringify(errors)}`);
for (const [k, a] of Object.entries(lat))
  console.log(`  ${k.padEnd(10)} ${String(a.length).padStart(7)} requests  p50 ${q(a, 0.5).toFixed(1)} ms  p99 ${q(a, 0.99).toFixed(1)} ms`);
console.log(`  RSS MiB: start ${samples[0].rss_mb.toFixed(0)}, max ${Math.max(...samples.map((s) => s.rss_mb)).toFixed(0)}, ` +
  `middle third mean ${middle.toFixed(0)}, last third mean ${last.toFixed(0)} (${(((last - middle) / middle) * 100).toFixed(1)}%)`);
const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
process.exitCode = errorCount > 0 ? 1 : 0;
