/** Language server entry point: `node dist/server.js --stdio` (or IPC when started by the VS Code client). */
import { createConnection, ProposedFeatures, StreamMessageWriter } from 'vscode-languageserver/node';
import { startServer } from './server';
import { FrameRepair } from './framing';

// The pinned AWS SDK warns that its later versions need Node 22 (see package.json): noise in the editor's log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

if (process.argv.includes('--stdio')) {
  // Over stdio, the bytes pass FrameRepair first (framing.ts: a broken client must not leave the server deaf).
  // The library then sees a stream, so it still exits when stdin ends; the error replies share its writer,
  // whose lock keeps them from interleaving with its own messages.
  const writer = new StreamMessageWriter(process.stdout);
  const input = process.stdin.pipe(new FrameRepair((e) => void writer.write(e).catch(() => undefined), (line) => process.stderr.write(`[pipewright] ${line}\n`)));
  // Given streams, the library does not redirect console output, and a stray console.log on stdout would corrupt it.
  console.log = console.info = console.debug = console.error;
  // vscode-jsonrpc takes a stream and a MessageWriter together (it wraps whichever is a stream); the typings
  // only list same-kind pairs, hence the cast.
  startServer(createConnection(ProposedFeatures.all, input, writer as unknown as NodeJS.WritableStream));
} else {
  startServer(createConnection(ProposedFeatures.all));
}
