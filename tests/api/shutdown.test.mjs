// Clean shutdown: SIGTERM ends the server with exit code 0 within 10 s, also
// while clients are connected. (Every other file's after-hook checks the
// plain case: s.stop() asserts exit 0 within 10 s.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from './lib/server.mjs';
import { openStream } from './lib/sse.mjs';

test('SIGTERM with an open audit stream: the stream ends and the server exits 0 promptly', async () => {
  const s = await startServer();
  const insp = await s.login('inspector');
  const st = await openStream(s, '/api/v1/audit/stream', insp);
  assert.equal(st.status, 200);
  await s.login('dispatcher');
  assert.equal((await st.next((e) => e.event === 'audit', 2000)).json.action, 'auth.login');
  const t0 = Date.now();
  s.proc.kill('SIGTERM');
  assert.equal(await st.waitEnd(5000), true, 'the server ends the event stream on shutdown');
  await s.stop();  // asserts exit code 0 within 10 s
  assert.ok(Date.now() - t0 < 10000);
});

// cpp-httplib notices a stop only between requests, so an idle keep-alive
// connection (what every browser keeps) holds shutdown for the keep-alive
// timeout; the server keeps that timeout short (src/http/server.cpp).
test('SIGTERM with an idle keep-alive client connection: the server exits 0 within 10 s', async () => {
  const s = await startServer();
  const r = await fetch(s.url + '/healthz');  // fetch keeps the connection alive, like a browser
  assert.equal(r.status, 200);
  await r.text();
  await s.stop();  // asserts exit code 0 within 10 s (SIGKILLs after 10 s)
});
