/**
 * The tests module VS Code loads in the extension host (its `extensionTestsPath`): registers the suites, runs
 * them, and fails `run()` when a test failed, so VS Code reports exit code 1 to the page.
 */
import { runAll } from './runner';
import './language.suite';
import './commands.suite';

export async function run(): Promise<void> {
  const results = await runAll();
  const failed = results.filter((r) => !r.ok);
  if (failed.length) throw new Error(`${failed.length} of ${results.length} extension-host tests failed: ${failed.map((f) => f.name).join('; ')}`);
}
