/**
 * The ids of the extension's own commands (`pipewright.ui.*` wrap the server's commands of the same name; the ids
 * the server executes are in server/src/protocol.ts). Free of `vscode` so tests read it outside VS Code; package.json
 * must contribute each of them (test/vscode/manifest.test.ts).
 */
export const ClientCommands = {
  restartServer: 'pipewright.restartServer',
  showOutput: 'pipewright.showOutput',
  lintWorkspace: 'pipewright.ui.lintWorkspace',
  encodeSourceParams: 'pipewright.ui.encodeSourceParams',
  generateIamPolicies: 'pipewright.ui.generateIamPolicies',
  checkIamRole: 'pipewright.ui.checkIamRole',
  previewBucket: 'pipewright.ui.previewBucket',
  previewObject: 'pipewright.ui.previewObject',
  importNow: 'pipewright.ui.importNow',
  exportNow: 'pipewright.ui.exportNow',
  pennySend: 'pipewright.ui.pennySend',
  pennyVerify: 'pipewright.ui.pennyVerify',
  generatePgpKey: 'pipewright.ui.generatePgpKey',
  setSecret: 'pipewright.ui.setSecret',
  clearSecret: 'pipewright.ui.clearSecret',
  refreshPipelines: 'pipewright.ui.refreshPipelines',
  filterBucket: 'pipewright.ui.filterBucket',
  copyS3Uri: 'pipewright.ui.copyS3Uri',
  downloadObject: 'pipewright.ui.downloadObject',
  loadMore: 'pipewright.ui.loadMore',
  newPipeline: 'pipewright.ui.newPipeline',
  brazeTest: 'pipewright.ui.brazeTest',
  brazeDeliveries: 'pipewright.ui.brazeDeliveries',
  aepPreview: 'pipewright.ui.aepPreview',
  aepDeploy: 'pipewright.ui.aepDeploy',
  aepUpdate: 'pipewright.ui.aepUpdate',
  aepDelete: 'pipewright.ui.aepDelete',
  aepRuns: 'pipewright.ui.aepRuns',
  aepExplore: 'pipewright.ui.aepExplore',
} as const;

export type ClientCommandId = (typeof ClientCommands)[keyof typeof ClientCommands];
