/**
 * Broken bytes on the server's stdin — headers without a name, a Content-Length that is not a number or claims
 * 100 GB, a body that is not JSON, JSON that is not a message, a length that lies — each cost at most the message
 * they broke: the next request is answered, and a body that was not JSON (or not a message) gets JSON-RPC's
 * Parse error or Invalid Request with id null. Before server/src/lsp/framing.ts, each of these left the server
 * running but deaf: vscode-jsonrpc's reader read the next message's bytes as headers, or waited for 100 GB.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RawLspServer, frame, assertWellFormed } from '../helpers/raw-lsp';

const CASES: Array<{ name: string; bytes: () => Buffer; nullIdError?: number }> = [
  { name: 'a header line without a colon', bytes: () => Buffer.from('Garbage header line\r\n\r\n') },
  { name: 'Content-Length: abc', bytes: () => Buffer.from('Content-Length: abc\r\n\r\n{}') },
  { name: 'Content-Length: -5', bytes: () => Buffer.from('Content-Length: -5\r\n\r\n') },
  { name: 'Content-Length of 100 GB', bytes: () => Buffer.from('Content-Length: 99999999999\r\n\r\n{"jsonrpc":"2.0","method":"x"}') },
  { name: 'no Content-Length header at all', bytes: () => Buffer.from('Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}') },
  { name: 'a JSON message with no header', bytes: () => Buffer.from('{"jsonrpc":"2.0","id":"lost","method":"textDocument/hover"}\r\n\r\n') },
  { name: 'binary garbage', bytes: () => Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256).filter((b) => b !== 13)) },
  { name: 'a body that is not JSON', bytes: () => frame('{"jsonrpc":"2.0","id":5,"method":'), nullIdError: -32700 },
  { name: 'a Content-Length shorter than the body', bytes: () => Buffer.from('Content-Length: 5\r\n\r\n{"jsonrpc":"2.0","id":9,"method":"x"}'), nullIdError: -32700 },
  { name: 'a JSON array (a batch)', bytes: () => frame('[{"jsonrpc":"2.0","id":1,"method":"shutdown"}]'), nullIdError: -32600 },
  { name: 'a JSON number', bytes: () => frame('42'), nullIdError: -32600 },
  { name: 'JSON null', bytes: () => frame('null'), nullIdError: -32600 },
  { name: 'an object id', bytes: () => frame({ jsonrpc: '2.0', id: { a: 1 }, method: 'textDocument/hover', params: 5 }), nullIdError: -32600 },
  { name: 'neither method nor result', bytes: () => frame({ jsonrpc: '2.0', params: {} }), nullIdError: -32600 },
  { name: 'invalid UTF-8 in a string', bytes: () => Buffer.concat([Buffer.from('Content-Length: 44\r\n\r\n'), Buffer.from('{"jsonrpc":"2.0","method":"x","params":"'), Buffer.from([0xc3, 0x28, 0x22, 0x7d])]) },
];

describe('the stdio framing survives broken bytes', () => {
  let dir: string;
  let server: RawLspServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-framing-'));
    server = RawLspServer.start();
    await server.initialize(pathToFileURL(dir).href);
  });
  after(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    test(`${c.name}: the next request is answered${c.nullIdError ? `, the broken one gets error ${c.nullIdError} with id null` : ''}`, async () => {
      const errorsBefore = server.nullIdErrors.length;
      // The probe travels in the same write as the garbage: the reader must not stop at the end of the bad part.
      const probe = server.request('textDocument/hover', { textDocument: { uri: 'file:///nowhere.pipeline.json' }, position: { line: 0, character: 0 } });
      server.write(Buffer.concat([c.bytes(), probe.bytes]));
      await server.waitFor(() => server.responses.has(probe.id), 5_000, `the probe after ${c.name}`);
      assert.deepEqual(server.responses.get(probe.id), { jsonrpc: '2.0', id: probe.id, result: null });
      const added = server.nullIdErrors.slice(errorsBefore);
      if (c.nullIdError) {
        assert.equal(added.length, 1, JSON.stringify(added));
        assertWellFormed(added[0], c.name);
        assert.equal(added[0].error!.code, c.nullIdError);
      } else {
        assert.deepEqual(added, []);
      }
    });
  }

  test('a Content-Length longer than what was sent swallows what follows, and the server answers again from the next whole frame', async () => {
    server.write(Buffer.from('Content-Length: 60\r\n\r\n{}'));
    const swallowed = server.request('textDocument/hover', { textDocument: { uri: 'file:///a.pipeline.json' }, position: { line: 0, character: 0 } });
    server.write(swallowed.bytes); // its first 58 bytes complete the lying body
    const probe = server.request('textDocument/hover', { textDocument: { uri: 'file:///b.pipeline.json' }, position: { line: 0, character: 0 } });
    server.write(probe.bytes);
    await server.waitFor(() => server.responses.has(probe.id), 5_000, 'the probe after a lying Content-Length');
    assert.equal(server.responses.has(swallowed.id), false, 'the swallowed request was never a message');
  });

  test('the server still shuts down cleanly with exit code 0', async () => {
    await server.shutdown();
  });
});
