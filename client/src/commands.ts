/**
 * The one table of the extension's commands. Each `pipewright.ui.*` command collects input in the UI, forwards
 * the work to the server's command of the same name (workspace/executeCommand, the ids in server/src/protocol.ts)
 * and presents the result; it also returns the result, so tests, tasks and other extensions can use it.
 * The server's own ids are registered by vscode-languageclient from its executeCommandProvider.
 *
 * To add a command: a handler in commands/<area>.ts, a line here, an entry in package.json `contributes.commands`
 * (and `menus` where it applies) with its title in package.nls.json; test/vscode/manifest.test.ts checks they agree.
 */
import type { CommandContext } from './context';
import { checkIamRole, encodeSourceParams, generateIamPolicies, lintWorkspace, newPipeline } from './commands/config';
import { importNow, previewBucket, previewObject } from './commands/bucket';
import { exportNow, generatePgpKey, pennySend, pennyVerify } from './commands/delivery';
import { brazeDeliveries, brazeTest } from './commands/braze';
import { aepDelete, aepDeploy, aepExplore, aepPreview, aepRuns, aepUpdate } from './commands/aep';
import { clearSecret, setSecret } from './secrets';
import { ClientCommands, type ClientCommandId } from './command-ids';

export { ClientCommands };

type Handler = (ctx: CommandContext, ...args: never[]) => Promise<unknown>;

/** Handlers of the commands that forward to the server or to the secret store (the view's own are in views/). */
export const HANDLERS: Partial<Record<ClientCommandId, Handler>> = {
  [ClientCommands.lintWorkspace]: lintWorkspace,
  [ClientCommands.encodeSourceParams]: encodeSourceParams,
  [ClientCommands.generateIamPolicies]: generateIamPolicies,
  [ClientCommands.checkIamRole]: checkIamRole,
  [ClientCommands.previewBucket]: previewBucket,
  [ClientCommands.previewObject]: previewObject,
  [ClientCommands.importNow]: importNow,
  [ClientCommands.exportNow]: exportNow,
  [ClientCommands.pennySend]: pennySend,
  [ClientCommands.pennyVerify]: pennyVerify,
  [ClientCommands.generatePgpKey]: generatePgpKey,
  [ClientCommands.newPipeline]: newPipeline,
  [ClientCommands.brazeTest]: brazeTest,
  [ClientCommands.brazeDeliveries]: brazeDeliveries,
  [ClientCommands.aepPreview]: aepPreview,
  [ClientCommands.aepDeploy]: aepDeploy,
  [ClientCommands.aepUpdate]: aepUpdate,
  [ClientCommands.aepDelete]: aepDelete,
  [ClientCommands.aepRuns]: aepRuns,
  [ClientCommands.aepExplore]: aepExplore,
  [ClientCommands.setSecret]: (ctx, name?: unknown, value?: unknown) => setSecret(ctx.secrets, name, value),
  [ClientCommands.clearSecret]: (ctx, name?: unknown) => clearSecret(ctx.secrets, name),
};
