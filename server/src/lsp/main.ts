/** Language server entry point: `node dist/server.js --stdio` (or IPC when started by the VS Code client). */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

// The pinned AWS SDK warns that its later versions need Node 22 (see package.json): noise in the editor's log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
startServer(createConnection(ProposedFeatures.all));
