import http from 'node:http';

// A minimal server-sent-events client for the audit stream tests. It uses
// node:http on its own connection (not fetch's keep-alive pool) so that closing
// the stream really closes the socket; see shutdown.test.mjs for why.
//   const st = await openStream(s, '/api/v1/audit/stream', token, { lastEventId });
//   const ev = await st.next((e) => e.event === 'audit', 2000);
//   st.close();
export async function openStream(s, path, token, { lastEventId } = {}) {
  const headers = { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' };
  if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId);
  let rq;
  const res = await new Promise((resolve, reject) => {
    rq = http.request({ host: '127.0.0.1', port: s.port, path, headers, agent: false }, resolve);
    rq.on('error', reject);
    rq.end();
  });
  rq.on('error', () => {});
  const events = [];
  const waiters = [];
  let ended = false;
  let closed = false;
  let error = null;
  const comments = [];

  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };

  (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const value of res) {
        buf += dec.decode(value, { stream: true });
        let cut;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const ev = { id: undefined, event: 'message', data: '' };
          const data = [];
          let isComment = true;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) {
              comments.push(line);
              continue;
            }
            isComment = false;
            const i = line.indexOf(':');
            const field = i < 0 ? line : line.slice(0, i);
            let v = i < 0 ? '' : line.slice(i + 1);
            if (v.startsWith(' ')) v = v.slice(1);
            if (field === 'id') ev.id = v;
            else if (field === 'event') ev.event = v;
            else if (field === 'data') data.push(v);
          }
          if (isComment) continue;
          ev.data = data.join('\n');
          try {
            ev.json = JSON.parse(ev.data);
          } catch {}
          events.push(ev);
        }
        wake();
      }
    } catch (e) {
      if (!closed) error = e;
    }
    ended = true;
    wake();
  })();

  let cursor = 0;
  return {
    status: res.statusCode,
    headers: res.headers,
    events,
    comments,
    get ended() {
      return ended;
    },
    get error() {
      return error;
    },
    // The next event (after those already returned) that matches pred.
    async next(pred = () => true, timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (cursor < events.length) {
          const e = events[cursor++];
          if (pred(e)) return e;
        }
        if (ended) throw new Error(`the stream ended before a matching event${error ? ': ' + error.message : ''}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms (got ${events.length} events)`);
        await new Promise((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    },
    // Waits until the stream ends (the server closed it).
    async waitEnd(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!ended) {
        const left = deadline - Date.now();
        if (left <= 0) return false;
        await new Promise((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
      return true;
    },
    close() {
      closed = true;
      rq.destroy();
    },
  };
}
