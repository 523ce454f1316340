/**
 * The `unimargin` command line: `start` runs the sequencer with its JSON-RPC server.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import { GenesisError } from '../genesis/errors.ts'
import { devGenesis } from '../genesis/dev.ts'
import type { Genesis } from '../genesis/types.ts'
import { parseGenesis } from '../genesis/validate.ts'
import { BaseError } from '../lib/errors.ts'
import { govMethods } from '../rpc/gov.ts'
import { marginMethods, marginSubscriptions } from '../rpc/margin.ts'
import { createRpcServer } from '../rpc/server.ts'
import { MarginReads } from './marginReads.ts'
import { renderBanner } from './banner.ts'
import { runRiskCli } from '../execution/risk/cli.ts'
import { GovCliInputError, registerGovCommands } from './govCli.ts'
import { createLogger, LOG_LEVELS, type LogLevel } from './logger.ts'
import { createNode } from './node.ts'
import { type BridgeRuntime, startBridgeRuntime } from './bridgeRuntime.ts'
import { registerDevnetCommand, resolveBridgeSetup, sequencerKeyFor } from './devnet.ts'
import { bridgeMethods } from '../rpc/bridge.ts'
import type { BridgeGenesis } from '../genesis/validateBridge.ts'
import { feederKeysFor, type PriceFeeder, startPriceFeeder } from './priceFeeder.ts'

const VERSION = 'v0.1.0'

function intOption(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v)
    if (!/^\d+$/.test(v) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`)
    }
    return n
  }
}

/** Reads and validates a genesis file; errors name the file and the field. */
export function loadGenesisFile(path: string): Genesis {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new GenesisError('(file)', `cannot read ${path}: ${(err as Error).message}`)
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new GenesisError('(file)', `${path} is not valid JSON: ${(err as Error).message}`)
  }
  return parseGenesis(doc)
}

export interface StartOptions {
  datadir: string
  port: number
  host: string
  genesis?: string
  blockTime: number
  heartbeat: number
  logLevel: LogLevel
  /** `--no-feeder` sets it false. */
  feeder: boolean
  feederInterval: number
  /** `--l1-rpc`: the bridge runs only with it. */
  l1Rpc?: string
  /** `--bridge-config`: a devnet.json-shaped file naming the portal and tokens. */
  bridgeConfig?: string
  /** `--sequencer-key`: the L1 key that posts commitments. */
  sequencerKey?: string
  /** `--txpool-*`: the mempool's bounds (geth's `--txpool.*`); its defaults where absent. */
  txpoolSlots?: number
  txpoolQueue?: number
  txpoolAccountSlots?: number
  txpoolAccountQueue?: number
  /** `--txpool-lifetime`, seconds. */
  txpoolLifetime?: number
}

/** What `unimargin devnet` adds to a start (chain/devnet.ts). */
export interface StartHooks {
  /** The bridge set-up, instead of the genesis's or `--bridge-config`. */
  bridge?: BridgeGenesis
  /** Runs once RPC answers, before the `listening on` line (devnet.json is written here). */
  beforeListening?(urls: { url: string; wsUrl: string }): void | Promise<void>
  /** Runs at shutdown after the node is closed (the devnet stops Anvil here). */
  afterStop?(): Promise<void>
}

/** Runs the sequencer until SIGINT/SIGTERM (`unimargin start`; the devnet reuses it). */
export async function start(o: StartOptions, hooks: StartHooks = {}): Promise<void> {
  const logger = createLogger(o.logLevel)
  const genesis = o.genesis ? loadGenesisFile(o.genesis) : devGenesis()
  const bridgeSetup = o.l1Rpc ? (hooks.bridge ?? resolveBridgeSetup(genesis, o.bridgeConfig)) : undefined
  const datadir = resolve(o.datadir)
  const node = await createNode({
    datadir,
    genesis,
    blockTimeMs: o.blockTime,
    heartbeatMs: o.heartbeat,
    logger,
    produce: false,
    mempool: {
      totalSlots: o.txpoolSlots,
      totalQueue: o.txpoolQueue,
      accountSlots: o.txpoolAccountSlots,
      accountQueue: o.txpoolAccountQueue,
      lifetimeMs: o.txpoolLifetime === undefined ? undefined : o.txpoolLifetime * 1000,
    },
  })
  let bridge: BridgeRuntime | undefined
  if (o.l1Rpc && bridgeSetup) {
    try {
      bridge = await startBridgeRuntime({
        node,
        setup: bridgeSetup,
        assets: genesis.margin?.config.market.assets ?? [],
        l1Rpc: o.l1Rpc,
        sequencerKey: sequencerKeyFor(o, genesis),
        logger,
      })
    } catch (err) {
      await node.close()
      throw err
    }
  }
  const margin = node.margin
    ? new MarginReads({
        env: node.margin.env,
        stateAt: (tag) => node.stateAt(tag),
        resolveBlock: (tag) => node.resolveBlock(tag),
        getLogs: (filter) => node.getLogs(filter),
        pendingDeposits: bridge ? (a) => bridge.pendingDeposits(a) : undefined,
      })
    : undefined
  const rpc = createRpcServer({
    chain: node,
    host: o.host,
    port: o.port,
    logger,
    methods: {
      ...(margin ? { ...govMethods(node), ...marginMethods(margin, node) } : {}),
      ...(bridge ? bridgeMethods(bridge) : {}),
    },
    subscriptions: margin ? marginSubscriptions(margin) : undefined,
  })
  try {
    await rpc.listen()
  } catch (err) {
    await node.close()
    throw err
  }
  node.startProducing()
  bridge?.start()
  let feeder: PriceFeeder | undefined
  const feederKeys = genesis.margin && o.feeder ? feederKeysFor(genesis.margin.config.oracle) : undefined
  if (genesis.margin && feederKeys) {
    feeder = startPriceFeeder({
      chain: node,
      chainId: genesis.chainId,
      feederKeys,
      underlyings: genesis.margin.config.market.underlyings,
      intervalMs: o.feederInterval,
      logger,
    })
  }
  process.stdout.write(
    renderBanner({
      version: VERSION,
      genesis,
      genesisFile: o.genesis,
      datadir,
      head: (await node.getBlockByNumber(node.headNumber()))!,
      blockTimeMs: o.blockTime,
    }),
  )
  if (bridge && bridgeSetup) {
    for (const s of bridgeSetup.sources) {
      process.stdout.write(
        `bridge: L1 ${o.l1Rpc} chain ${s.chainId}, portal ${s.portal}, finality ${JSON.stringify(s.finality)}` +
          `${bridge.sequencer ? `, commitments from ${bridge.sequencer}` : ', no commitments (no sequencer key)'}\n`,
      )
    }
  }
  await hooks.beforeListening?.({ url: rpc.url, wsUrl: rpc.wsUrl })
  process.stdout.write(`listening on ${rpc.url} (WebSocket ${rpc.wsUrl})\n`)
  logger.info({ url: rpc.url, chainId: Number(genesis.chainId), head: Number(node.headNumber()) }, 'node started')

  let stopping = false
  const stop = async (signal: string, exitCode = 0) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    try {
      await feeder?.stop()
      await bridge?.stop()
      await node.stopProducing()
      await rpc.close()
      await node.close()
      await hooks.afterStop?.()
      logger.info('stopped cleanly')
      process.exit(exitCode)
    } catch (err) {
      logger.error({ err }, 'shutdown failed')
      process.exit(1)
    }
  }
  node.onFatal(() => void stop('store failure', 1))
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

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
    .option('--txpool-account-slots <n>', 'executable transactions a sender keeps when the pool is full', intOption('--txpool-account-slots', 0, 1_000_000), 16)
    .option('--txpool-account-queue <n>', 'queued transactions per sender', intOption('--txpool-account-queue', 0, 1_000_000), 64)
    .option('--txpool-lifetime <s>', 'seconds queued transactions stay while their sender makes no progress', intOption('--txpool-lifetime', 1, 31_536_000), 10_800)
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
    const msg = err instanceof BaseError ? err.message : (err as Error).stack ?? String(err)
    process.stderr.write(`error: ${msg}\n`)
    process.exit(err instanceof GenesisError || err instanceof GovCliInputError ? 2 : 1)
  }
}
