/**
 * The `unimargin` command line: `start` (the sequencer), `devnet` (L1 + bridge + sequencer),
 * `gov` (the council's commands) and `risk` (offline reports).
 */
import { Command, Option } from 'commander'
import { GenesisError } from '../genesis/errors.ts'
import { BaseError } from '../lib/errors.ts'
import { registerDevnetCommand } from './devnet/devnet.ts'
import { GovCliInputError, registerGovCommands } from './govCli.ts'
import { LOG_LEVELS } from './logger.ts'
import { intOption, type StartOptions } from './options.ts'
import { runRiskCli } from './riskCli.ts'
import { start, VERSION } from './start.ts'

/** Builds the command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command()
  program
    .name('unimargin')
    .description('A rollup sequencer whose accounts are margined as one portfolio.')
    .version(VERSION)
    .showHelpAfterError()
  program
    .command('start')
    .description('run the sequencer: block production plus HTTP and WebSocket JSON-RPC on one port')
    .option('--datadir <dir>', 'data directory', './data')
    .option('--port <n>', 'HTTP and WebSocket port', intOption('--port', 0, 65535), 8545)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--genesis <file>', 'genesis JSON file (default: the embedded dev genesis)')
    .option('--block-time <ms>', 'block interval in milliseconds', intOption('--block-time', 1, 3_600_000), 250)
    .option('--heartbeat <ms>', 'make an empty block when none was made for this long', intOption('--heartbeat', 1, 86_400_000), 2000)
    .option('--no-feeder', 'do not run the dev price feeder (on by default when the node knows the feeder keys)')
    .option('--feeder-interval <ms>', 'milliseconds between dev price updates', intOption('--feeder-interval', 100, 3_600_000), 2000)
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .option('--l1-rpc <url>', 'L1 JSON-RPC URL: runs the bridge (sources from genesis `bridge`, or --bridge-config)')
    .option('--bridge-config <file>', 'a devnet.json (portal, tokens, challengePeriodSeconds) to bridge the dev genesis with')
    .option('--sequencer-key <hex>', 'L1 key that posts commitments (env UNIMARGIN_SEQUENCER_KEY; dev account 0 with the dev genesis)')
    .option('--txpool-slots <n>', 'transactions the mempool holds, executable and queued', intOption('--txpool-slots', 1, 1_000_000), 5120)
    .option('--txpool-queue <n>', 'of which queued behind a nonce gap', intOption('--txpool-queue', 0, 1_000_000), 1024)
    .option(
      '--txpool-account-slots <n>',
      'executable transactions a sender keeps when the pool is full',
      intOption('--txpool-account-slots', 0, 1_000_000),
      16,
    )
    .option('--txpool-account-queue <n>', 'queued transactions per sender', intOption('--txpool-account-queue', 0, 1_000_000), 64)
    .option(
      '--txpool-lifetime <s>',
      'seconds queued transactions stay while their sender makes no progress',
      intOption('--txpool-lifetime', 1, 31_536_000),
      10_800,
    )
    .option(
      '--dev-methods',
      'serve the dev accounts unlocked (eth_accounts, eth_sendTransaction, eth_sign…) and evm_/anvil_ time and mining control; ' +
        'on by default with the dev genesis only, never otherwise: the dev keys are public',
    )
    .action((o: StartOptions) => start(o))
  registerDevnetCommand(program, intOption)
  registerGovCommands(program)
  program
    .command('risk')
    .description('offline risk report of a portfolio file (SPEC 1): JSON on stdout, no node needed')
    .usage('--portfolio FILE [--market FILE] [--params FILE] [--time UNIX]')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[options...]')
    .action(async () => {
      // The risk CLI parses its own options (and names the bad one) from the raw argv.
      process.exitCode = await runRiskCli(process.argv, { stdout: process.stdout, stderr: process.stderr })
    })
  return program
}

/** Runs the CLI with `argv` (as in process.argv). */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv)
  } catch (err) {
    const msg = err instanceof BaseError ? err.message : ((err as Error).stack ?? String(err))
    process.stderr.write(`error: ${msg}\n`)
    process.exit(err instanceof GenesisError || err instanceof GovCliInputError ? 2 : 1)
  }
}
