/**
 * What `start` and `devnet` share: the options' shape and checks, the genesis file, the bridge
 * set-up and the sequencer key they resolve to.
 */
import { readFileSync } from 'node:fs'
import { InvalidArgumentError } from 'commander'
import type { Hex } from 'viem'
import { DEV_ACCOUNTS } from '../genesis/dev.ts'
import { GenesisError } from '../genesis/errors.ts'
import type { Genesis } from '../genesis/types.ts'
import { parseGenesis } from '../genesis/validate.ts'
import { type BridgeGenesis, parseBridgeGenesis } from '../genesis/validateBridge.ts'
import type { LogLevel } from './logger.ts'

/** A commander parser for an integer option in [min, max]. */
export function intOption(name: string, min: number, max: number) {
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
  /** `--dev-methods`: unlocked dev accounts and time control on any genesis (always on with the dev genesis). */
  devMethods?: boolean
}

/** What `unimargin devnet` adds to a start (app/devnet/devnet.ts). */
/**
 * The bridge set-up of `start --l1-rpc`: `--bridge-config FILE` (a devnet.json; its source is the
 * portal on `l1ChainId` with `finality` "finalized" unless the file says otherwise), else the
 * genesis `bridge` section.
 *
 * @throws GenesisError when there is neither.
 */
export function resolveBridgeSetup(genesis: Genesis, bridgeConfig?: string): BridgeGenesis {
  if (bridgeConfig) {
    let doc: Record<string, unknown>
    try {
      doc = JSON.parse(readFileSync(bridgeConfig, 'utf8'))
    } catch (err) {
      throw new GenesisError('(bridge config)', `cannot read ${bridgeConfig}: ${(err as Error).message}`)
    }
    return parseBridgeGenesis(
      {
        sources: [
          {
            chainId: doc.l1ChainId,
            portal: doc.portal,
            finality: doc.finality ?? 'finalized',
            ...(doc.portalBlock === undefined ? {} : { startBlock: doc.portalBlock }),
          },
        ],
        tokens: doc.tokens ?? {},
        challengePeriodSeconds: doc.challengePeriodSeconds ?? 0,
      },
      bridgeConfig,
    )
  }
  if (genesis.bridge) return genesis.bridge
  throw new GenesisError('bridge', '--l1-rpc needs a genesis `bridge` section or --bridge-config FILE')
}

/**
 * Whether the node serves the developer methods of SPEC 9 (unlocked dev accounts, time and
 * mining control): with the dev genesis (no `--genesis`), or with `--dev-methods`; never else.
 */
export function devMethodsOn(o: StartOptions): boolean {
  return o.devMethods === true || o.genesis === undefined
}

/** `--sequencer-key`, else env `UNIMARGIN_SEQUENCER_KEY`, else dev account 0 on the dev genesis. */
export function sequencerKeyFor(o: StartOptions, genesis: Genesis): Hex | undefined {
  const key = o.sequencerKey ?? process.env.UNIMARGIN_SEQUENCER_KEY
  if (key) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new GenesisError('--sequencer-key', 'must be a 32-byte 0x key')
    return key as Hex
  }
  return o.genesis === undefined && genesis.chainId === 31338n ? DEV_ACCOUNTS[0][1] : undefined
}
