/**
 * Time and mining control of a developer's node (SPEC 9), with Anvil's names and answers:
 * `evm_mine`, `evm_increaseTime`, `evm_setNextBlockTimestamp`, `anvil_mine` (and `hardhat_mine`).
 * Served only on the dev chain or with `--dev-methods` (app/start.ts). The clock they move only
 * stamps the blocks this node produces: a block's timestamp is in its header, so followers and
 * importers reproduce it.
 */
import type { DevChainApi } from '../chain/types.ts'
import { InvalidParamsError } from './errors.ts'
import { arity } from './params.ts'
import type { RpcMethods } from './types.ts'

/** Most blocks one `anvil_mine` / `evm_mine` call makes (Anvil has no bound; a call must end). */
export const MAX_MINE_BLOCKS = 10_000n

/**
 * A count of seconds or blocks as Anvil's `U256`/`u64` parameters take it: a JSON number, a hex
 * quantity (`0x15180`) or a decimal string.
 */
export function parseCount(v: unknown, index: number, field?: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v)
  if (typeof v === 'string' && (/^0x[0-9a-fA-F]{1,64}$/.test(v) || /^\d{1,78}$/.test(v))) return BigInt(v)
  throw new InvalidParamsError('expected a non-negative integer (a number, hex or decimal string)', index, field)
}

/** Mines `count` blocks, one after the other, each `interval` seconds (when given) after the last. */
async function mine(dev: DevChainApi, count: bigint, interval?: bigint): Promise<void> {
  if (count > MAX_MINE_BLOCKS) throw new InvalidParamsError(`at most ${MAX_MINE_BLOCKS} blocks at once`, 0)
  for (let i = 0n; i < count; i++) {
    if (interval !== undefined) dev.increaseTime(interval)
    await dev.produceBlock()
  }
}

/** `evm_mine`'s one optional argument: a timestamp, or `{timestamp?, blocks?}`. */
function parseMineOptions(v: unknown): { timestamp?: bigint; blocks: bigint } {
  if (v === undefined || v === null) return { blocks: 1n }
  if (typeof v !== 'object' || Array.isArray(v)) return { timestamp: parseCount(v, 0), blocks: 1n }
  const { timestamp, blocks } = v as Record<string, unknown>
  return {
    timestamp: timestamp === undefined || timestamp === null ? undefined : parseCount(timestamp, 0, 'timestamp'),
    blocks: blocks === undefined || blocks === null ? 1n : parseCount(blocks, 0, 'blocks'),
  }
}

/**
 * The time and mining methods over the node's controls.
 *
 * @example
 * rpc.register(devTimeMethods(node))
 * // evm_increaseTime(86400) → 86400; evm_mine() → '0x0' (the block is stamped a day ahead)
 */
export function devTimeMethods(dev: DevChainApi): RpcMethods {
  const anvilMine: RpcMethods[string] = async (p) => {
    const [n, interval] = arity(p, 0, 2)
    const count = n === undefined || n === null ? 1n : parseCount(n, 0)
    await mine(dev, count, interval === undefined || interval === null ? undefined : parseCount(interval, 1))
    return null
  }
  return {
    evm_mine: async (p) => {
      const [o] = arity(p, 0, 1)
      const { timestamp, blocks } = parseMineOptions(o)
      if (timestamp !== undefined) dev.setNextBlockTimestamp(timestamp)
      await mine(dev, blocks)
      return '0x0'
    },
    evm_increaseTime: (p) => {
      const [s] = arity(p, 1, 1)
      return Number(dev.increaseTime(parseCount(s, 0)))
    },
    evm_setNextBlockTimestamp: (p) => {
      const [t] = arity(p, 1, 1)
      dev.setNextBlockTimestamp(parseCount(t, 0))
      return null
    },
    anvil_mine: anvilMine,
    hardhat_mine: anvilMine,
  }
}
