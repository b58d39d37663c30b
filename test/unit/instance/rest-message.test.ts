import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { writeFaultSettings, resetFaultSettings } from '../../../src/instance/http/faults';
import { openRuntimeEngine, type RuntimeEngine } from '../../helpers/runtime-engine';

/**
 * sn_ws.RESTMessageV2 makes real HTTP calls while the script waits synchronously. The server here
 * runs in its own thread: the test's thread is the one blocked in execute(), as a script's is.
 */

const SERVER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    if (req.url.startsWith('/slow')) return void setTimeout(() => res.end('late'), 5000);
    if (req.url === '/missing') { res.writeHead(404, { 'content-type': 'text/plain' }); return void res.end('nope'); }
    if (req.url === '/hinted') {
      res.writeEarlyHints({ link: '</style.css>; rel=preload' });
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-part': ['one', 'two'] });
      res.write(Buffer.from([0xef, 0xbb, 0xbf, 0x63, 0x61, 0x66, 0xc3]));
      return void setTimeout(() => res.end(Buffer.from([0xa9, 0x20, 0xe2, 0x9c, 0x93])), 20);
    }
    if (req.url === '/moved') {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(302, { location: '/echo' });
      return void res.end();
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-echo': req.headers['x-custom'] || '' });
    res.end(JSON.stringify({ method: req.method, url: req.url, body, contentType: req.headers['content-type'] || '' }));
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => server.close(() => process.exit(0)));
`;

let rt: RuntimeEngine;
let server: Worker;
let base: string;
let closedPort: number;

beforeAll(async () => {
  rt = await openRuntimeEngine();
  server = new Worker(SERVER_SOURCE, { eval: true });
  const port = await new Promise<number>((resolve) => server.once('message', resolve));
  base = `http://127.0.0.1:${port}`;
  closedPort = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(free));
    });
  });
});

afterAll(async () => {
  server.postMessage('close');
  await new Promise((resolve) => server.once('exit', resolve));
  rt.close();
});

afterEach(() => resetFaultSettings(rt.engine));

describe('sn_ws.RESTMessageV2', () => {
  it('sends method, headers, query parameters and body, and returns status, body and headers', () => {
    const result = rt.run(`
      var m = new sn_ws.RESTMessageV2();
      m.setEndpoint('${base}/echo');
      m.setHttpMethod('post');
      m.setRequestHeader('Content-Type', 'application/json');
      m.setRequestHeader('X-Custom', 'abc');
      m.setQueryParameter('q', 'a b');
      m.setRequestBody('{"hello":"world"}');
      var r = m.execute();
      return [r.getStatusCode(), JSON.parse(r.getBody()), r.getHeader('x-echo'), r.getHeader('X-ECHO'), r.haveError(), r.getErrorMessage()];
    `);
    expect(result).toEqual([200, { method: 'POST', url: '/echo?q=a+b', body: '{"hello":"world"}', contentType: 'application/json' }, 'abc', 'abc', false, null]);
  });

  it('returns a redirect as it came, with each of its repeated headers (no redirect is followed)', () => {
    const result = rt.run(`
      var m = new sn_ws.RESTMessageV2();
      m.setEndpoint('${base}/moved');
      m.setHttpMethod('get');
      var r = m.execute();
      return [r.getStatusCode(), r.getHeader('Location'), r.getCookies(), r.haveError()];
    `);
    expect(result).toEqual([302, '/echo', ['a=1', 'b=2'], false]);
  });

  it('skips an informational answer and returns a body sent in pieces as UTF-8 text without its BOM', () => {
    const result = rt.run(`
      var m = new sn_ws.RESTMessageV2();
      m.setEndpoint('${base}/hinted');
      m.setHttpMethod('get');
      var r = m.execute();
      return [r.getStatusCode(), r.getBody(), r.getHeader('X-Part'), r.getHeader('link'), r.haveError()];
    `);
    expect(result).toEqual([200, 'café ✓', 'one, two', null, false]);
  });

  it('reports an HTTP error status through haveError() without throwing', () => {
    expect(
      rt.run(`var m = new sn_ws.RESTMessageV2(); m.setEndpoint('${base}/missing'); m.setHttpMethod('get'); var r = m.execute();
        return [r.getStatusCode(), r.getBody(), r.haveError(), r.getErrorCode(), r.getErrorMessage()];`),
    ).toEqual([404, 'nope', true, 404, 'Method failed: (/missing) with code: 404']);
  });

  it('times out after setHttpTimeout(), with status 0 and an error', () => {
    const started = Date.now();
    const result = rt.run(`var m = new sn_ws.RESTMessageV2(); m.setEndpoint('${base}/slow'); m.setHttpMethod('get'); m.setHttpTimeout(200); var r = m.execute();
      return [r.getStatusCode(), r.haveError(), r.getErrorMessage()];`);
    const elapsed = Date.now() - started;
    expect(result).toEqual([0, true, 'Read timed out']);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    // Well before the server's answer at 5 s: the timeout fired, the call did not wait for the answer.
    expect(elapsed).toBeLessThan(4000);
  });

  it('ends a wait for an answer at the script quota, and the next call on the thread gets its own answer', async () => {
    const quick = await openRuntimeEngine({ scriptTimeoutMs: 300 });
    try {
      const outcome = quick.runtime.run({
        kind: 'script',
        name: 'slow call',
        script: `var m = new sn_ws.RESTMessageV2(); m.setEndpoint('${base}/slow'); m.setHttpMethod('get'); m.setHttpTimeout(60000); m.execute(); return 'answered';`,
      });
      expect(outcome).toMatchObject({ ok: false, message: expect.stringContaining('timed out after 300ms') });
      const next = quick.run(`var m = new sn_ws.RESTMessageV2(); m.setEndpoint('${base}/echo?after=quota'); m.setHttpMethod('get'); var r = m.execute();
        return [r.getStatusCode(), JSON.parse(r.getBody()).url];`);
      expect(next).toEqual([200, '/echo?after=quota']);
    } finally {
      quick.close();
    }
  });

  it('reports a refused connection as status 0', () => {
    expect(
      rt.run(`var m = new sn_ws.RESTMessageV2(); m.setEndpoint('http://127.0.0.1:${closedPort}/'); m.setHttpMethod('post'); var r = m.execute();
        return [r.getStatusCode(), r.haveError(), r.getErrorMessage()];`),
    ).toEqual([0, true, 'Connection refused']);
  });

  it('executeAsync() sends at once; waitForResponse() collects the answer', () => {
    expect(
      rt.run(`var m = new sn_ws.RESTMessageV2(); m.setEndpoint('${base}/async'); m.setHttpMethod('put'); m.setRequestBody('x');
        var r = m.executeAsync(); r.waitForResponse(5); return [r.getStatusCode(), JSON.parse(r.getBody()).method];`),
    ).toEqual([200, 'PUT']);
  });

  it('fails or times out calls when the instance’s outbound faults say so', () => {
    writeFaultSettings(rt.engine, { outbound: { failRate: 1 } });
    expect(
      rt.run(`var m = new sn_ws.RESTMessageV2(); m.setEndpoint('${base}/echo'); m.setHttpMethod('get'); var r = m.execute(); return [r.getStatusCode(), r.getErrorMessage()];`),
    ).toEqual([0, 'Connection refused (injected outbound fault)']);
    writeFaultSettings(rt.engine, { outbound: { failRate: 0, timeoutRate: 1 } });
    const started = Date.now();
    expect(
      rt.run(`var m = new sn_ws.RESTMessageV2(); m.setEndpoint('${base}/echo'); m.setHttpMethod('get'); m.setHttpTimeout(150); var r = m.execute(); return [r.getStatusCode(), r.getErrorMessage()];`),
    ).toEqual([0, 'Read timed out (injected outbound fault)']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('refuses an endpoint that is not an http(s) URL', () => {
    expect(rt.run(`var m = new sn_ws.RESTMessageV2(); m.setEndpoint('file:///etc/passwd'); var r = m.execute(); return [r.getStatusCode(), r.getErrorMessage()];`)).toEqual([
      0,
      'Invalid endpoint URL: file:///etc/passwd',
    ]);
  });
});
