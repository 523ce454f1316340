/**
 * Standalone entry of the offline risk command, for testing it end to end:
 * `node --import tsx app/riskMain.ts --portfolio f.json`. The node's own CLI
 * (`unimargin risk`) calls {@link runRiskCli} the same way.
 */
import { runRiskCli } from './riskCli.ts'

process.exitCode = await runRiskCli(process.argv.slice(2), process)
