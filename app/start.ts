/**
 * `unimargin start`: the sequencer with its JSON-RPC server, the bridge when an L1 is named, the
 * dev price feeder, and a clean stop on SIGINT/SIGTERM.
 */
import { resolve } from 'node:path'
import { type BridgeRuntime, startBridgeRuntime } from '../chain/bridgeRuntime.ts'
import { MarginReads } from '../chain/marginReads.ts'
import { createNode } from '../chain/node.ts'
import { DEV_ACCOUNTS, devGenesis } from '../genesis/dev.ts'
import type { BridgeGenesis } from '../genesis/validateBridge.ts'
import { bridgeMethods } from '../rpc/bridge.ts'
import { devAccountMethods } from '../rpc/devAccounts.ts'
import { devTimeMethods } from '../rpc/devTime.ts'
import { govMethods } from '../rpc/gov.ts'
import { marginMethods, marginSubscriptions } from '../rpc/margin.ts'
import { createRpcServer } from '../rpc/server.ts'
import { renderBanner } from './banner.ts'
import { devGenesisTime } from './devGenesisTime.ts'
import { createLogger } from './logger.ts'
import { devMethodsOn, loadGenesisFile, resolveBridgeSetup, type StartOptions, sequencerKeyFor } from './options.ts'
import { feederKeysFor, type PriceFeeder, startPriceFeeder } from './priceFeeder.ts'

/** The version `--version` and the banner print. */
export const VERSION = 'v0.1.0'

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
  const datadir = resolve(o.datadir)
  // The dev genesis is born with its datadir: fresh prices and live expiries on any date.
  const genesis = o.genesis ? loadGenesisFile(o.genesis) : devGenesis(devGenesisTime(datadir))
  const bridgeSetup = o.l1Rpc ? (hooks.bridge ?? resolveBridgeSetup(genesis, o.bridgeConfig)) : undefined
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
    // The dev keys are public: never on a production chain unless asked for (SPEC 9).
    overrides: devMethodsOn(o) ? { ...devAccountMethods(DEV_ACCOUNTS.map(([, key]) => key)), ...devTimeMethods(node) } : undefined,
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
