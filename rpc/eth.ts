/**
 * The `eth_` namespace, answered as geth answers it, and the `newHeads`, `logs` and
 * `newPendingTransactions` subscription kinds.
 */
import { bytesToHex } from '@ethereumjs/util'
import { decodeAbiParameters } from 'viem'
import { UnknownBlockError } from '../chain/errors.ts'
import type { ChainApi } from '../chain/types.ts'
import type { BlockTag, Hex, LogFilter, StoredLog } from '../state/types.ts'
import { ExecutionRevertedRpcError, InvalidParamsError, LimitExceededError, MethodNotFoundError, ServerError } from './errors.ts'
import { matchLog } from './filters.ts'
import { formatBlock, formatHeader, formatLog, formatReceipt, formatTransaction, quantity } from './format.ts'
import {
  arity,
  parseAddress,
  parseBlockTag,
  parseBool,
  parseCallRequest,
  parseData,
  parseHash,
  parseLogFilter,
  parsePercentiles,
  parseSlot,
  parseStateOverrides,
  parseUint,
  type RawLogFilter,
} from './params.ts'
import { deliver, groupsPer, SubscriberGroups } from './subscriberGroups.ts'
import type { RpcContext, RpcMethods, SubscriptionHandler } from './types.ts'

/** Widest block range one eth_getLogs / eth_getFilterLogs may span. */
export const MAX_LOG_BLOCK_RANGE = 10_000n
/** Most logs one eth_getLogs / eth_getFilterLogs answers (Infura's and Alchemy's limit). */
export const MAX_LOG_RESULTS = 10_000
/** Most blocks one eth_feeHistory may span (geth's limit). */
export const MAX_FEE_HISTORY_BLOCKS = 1024

/** Resolves a block, or returns undefined when the chain does not have it. */
async function tryResolve(chain: ChainApi, tag: BlockTag): Promise<bigint | undefined> {
  try {
    return await chain.resolveBlock(tag)
  } catch (err) {
    if (err instanceof UnknownBlockError) return undefined
    throw err
  }
}

async function blockByTag(chain: ChainApi, tag: BlockTag) {
  if (typeof tag === 'object') return chain.getBlockByHash(tag.hash)
  const n = await tryResolve(chain, tag)
  return n === undefined ? undefined : chain.getBlockByNumber(n)
}

const PANIC_REASONS: Record<number, string> = {
  0x00: 'generic panic',
  0x01: 'assert(false)',
  0x11: 'arithmetic underflow or overflow',
  0x12: 'division or modulo by zero',
  0x21: 'enum overflow',
  0x22: 'invalid encoded storage byte array accessed',
  0x31: 'out-of-bounds array access; popping on an empty array',
  0x32: 'out-of-bounds access of an array or bytesN',
  0x41: 'out of memory',
  0x51: 'uninitialized function',
}

/** The reason geth prints for revert data: `Error(string)` or `Panic(uint256)`, else none. */
export function revertReason(data: Hex): string | undefined {
  try {
    if (data.startsWith('0x08c379a0') && data.length >= 138) {
      return decodeAbiParameters([{ type: 'string' }], `0x${data.slice(10)}`)[0]
    }
    if (data.startsWith('0x4e487b71') && data.length === 74) {
      const code = Number(BigInt(`0x${data.slice(10)}`))
      return PANIC_REASONS[code] ?? `unknown panic code: 0x${code.toString(16)}`
    }
  } catch {
    // not a well-formed reason: geth prints none
  }
  return undefined
}

/** Turns a raw filter into a LogFilter with resolved numbers, enforcing the range limit. */
export async function resolveLogFilter(chain: ChainApi, raw: RawLogFilter): Promise<LogFilter | []> {
  const base = { addresses: raw.addresses, topics: raw.topics }
  if (raw.blockHash !== undefined) {
    const block = await chain.getBlockByHash(raw.blockHash)
    if (!block) throw new ServerError('unknown block')
    const n = block.header.number
    return { ...base, fromBlock: n, toBlock: n, blockHash: raw.blockHash }
  }
  const head = chain.headNumber()
  const resolve = async (tag: BlockTag | undefined): Promise<bigint> => {
    if (tag === undefined || tag === 'pending') return head
    if (typeof tag === 'bigint') return tag
    return chain.resolveBlock(tag)
  }
  const reversed = (from: bigint, to: bigint) =>
    new InvalidParamsError(`invalid block range params: fromBlock ${quantity(from)} is after toBlock ${quantity(to)}`, 0)
  // As geth: two numbers the wrong way round are refused before either is looked at.
  if (typeof raw.fromBlock === 'bigint' && typeof raw.toBlock === 'bigint' && raw.fromBlock > raw.toBlock) {
    throw reversed(raw.fromBlock, raw.toBlock)
  }
  const from = await resolve(raw.fromBlock)
  let to = await resolve(raw.toBlock)
  if (from > to) throw reversed(from, to)
  if (from > head) return []
  if (to > head) to = head
  const span = to - from + 1n
  if (span > MAX_LOG_BLOCK_RANGE) {
    throw new LimitExceededError(
      `block range too large: ${span} blocks (${quantity(from)} to ${quantity(to)}), ` + `the limit is ${MAX_LOG_BLOCK_RANGE}`,
    )
  }
  return { ...base, fromBlock: from, toBlock: to }
}

async function getLogs(chain: ChainApi, raw: RawLogFilter): Promise<StoredLog[]> {
  const filter = await resolveLogFilter(chain, raw)
  if (Array.isArray(filter)) return []
  return chain.getLogs(filter, MAX_LOG_RESULTS)
}

async function txInBlock(ctx: RpcContext, tag: BlockTag, indexParam: unknown) {
  const index = parseUint(indexParam, 1)
  const block = await blockByTag(ctx.chain, tag)
  if (!block || index >= block.transactions.length) return null
  return formatTransaction(block.transactions[index], {
    blockHash: bytesToHex(block.hash()),
    blockNumber: block.header.number,
    transactionIndex: index,
    baseFeePerGas: block.header.baseFeePerGas,
  })
}

/** Every `eth_` method. Register with `createRpcServer` (it is there by default). */
export const ethMethods: RpcMethods = {
  eth_chainId: (p, { chain }) => (arity(p, 0, 0), quantity(chain.chainId)),
  eth_blockNumber: (p, { chain }) => (arity(p, 0, 0), quantity(chain.headNumber())),
  eth_accounts: (p) => (arity(p, 0, 0), []),
  eth_syncing: (p) => (arity(p, 0, 0), false),
  eth_mining: (p) => (arity(p, 0, 0), false),
  eth_hashrate: (p) => (arity(p, 0, 0), '0x0'),
  eth_coinbase: async (p, { chain }) => {
    arity(p, 0, 0)
    const head = await chain.getBlockByNumber(chain.headNumber())
    return head ? head.header.coinbase.toString() : `0x${'0'.repeat(40)}`
  },
  eth_gasPrice: (p, { chain }) => (arity(p, 0, 0), quantity(chain.gasPrice())),
  eth_maxPriorityFeePerGas: (p, { chain }) => (arity(p, 0, 0), quantity(chain.maxPriorityFeePerGas())),

  eth_getBalance: async (p, { chain }) => {
    const [a, b] = arity(p, 1, 2)
    return quantity(await chain.getBalance(parseAddress(a, 0), parseBlockTag(b, 1)))
  },
  eth_getTransactionCount: async (p, { chain }) => {
    const [a, b] = arity(p, 1, 2)
    return quantity(await chain.getTransactionCount(parseAddress(a, 0), parseBlockTag(b, 1)))
  },
  eth_getCode: async (p, { chain }) => {
    const [a, b] = arity(p, 1, 2)
    return chain.getCode(parseAddress(a, 0), parseBlockTag(b, 1))
  },
  eth_getStorageAt: async (p, { chain }) => {
    const [a, s, b] = arity(p, 2, 3)
    return chain.getStorageAt(parseAddress(a, 0), parseSlot(s, 1), parseBlockTag(b, 2))
  },
  eth_getProof: async (p, { chain }) => {
    const [a, keys, b] = arity(p, 2, 3)
    if (!Array.isArray(keys)) throw new InvalidParamsError('expected an array of storage keys', 1)
    const slots = keys.map((k, i) => parseSlot(k, 1, `[${i}]`))
    const proof = await chain.getProof(parseAddress(a, 0), slots, parseBlockTag(b, 2))
    return {
      address: proof.address,
      accountProof: proof.accountProof,
      balance: quantity(proof.balance),
      codeHash: proof.codeHash,
      nonce: quantity(proof.nonce),
      storageHash: proof.storageHash,
      storageProof: proof.storageProof.map((s, i) => ({
        // geth echoes the key as the caller sent it
        key: typeof keys[i] === 'string' ? keys[i] : s.key,
        value: quantity(s.value),
        proof: s.proof,
      })),
    }
  },

  eth_call: async (p, { chain, deadline }) => {
    const [c, b, o, blockOverrides] = arity(p, 1, 4)
    const req = parseCallRequest(c, 0)
    const tag = parseBlockTag(b, 1)
    const overrides = parseStateOverrides(o, 2)
    if (blockOverrides !== undefined && blockOverrides !== null) {
      throw new InvalidParamsError('block overrides are not supported', 3)
    }
    const res = await chain.call(req, tag, overrides, { deadline })
    if (res.ok) return res.returnData
    if (res.reverted) {
      throw new ExecutionRevertedRpcError(res.returnData, res.reason ?? revertReason(res.returnData))
    }
    throw new ServerError(res.error)
  },
  eth_estimateGas: async (p, { chain, deadline }) => {
    const [c, b, o] = arity(p, 1, 3)
    const req = parseCallRequest(c, 0)
    const gas = await chain.estimateGas(req, parseBlockTag(b, 1), parseStateOverrides(o, 2), { deadline })
    return quantity(gas)
  },
  eth_feeHistory: async (p, { chain }) => {
    const [count, newest, percentiles] = arity(p, 2, 3)
    const n = parseUint(count, 0)
    const blockCount = Math.min(n, MAX_FEE_HISTORY_BLOCKS)
    const tag = parseBlockTag(newest, 1)
    const pct = parsePercentiles(percentiles, 2)
    if (blockCount === 0) return { oldestBlock: '0x0', baseFeePerGas: [], gasUsedRatio: [] }
    const h = await chain.feeHistory(blockCount, tag, pct)
    const out: Record<string, unknown> = {
      oldestBlock: quantity(h.oldestBlock),
      baseFeePerGas: h.baseFeePerGas.map(quantity),
      gasUsedRatio: h.gasUsedRatio,
    }
    if (h.reward) out.reward = h.reward.map((r) => r.map(quantity))
    return out
  },
  eth_sendRawTransaction: async (p, { chain }) => {
    const [raw] = arity(p, 1, 1)
    const hex = parseData(raw, 0)
    if (hex.length <= 2) throw new InvalidParamsError('empty transaction', 0)
    return chain.sendRawTransaction(Buffer.from(hex.slice(2), 'hex'))
  },

  eth_getTransactionByHash: async (p, { chain }) => {
    const [h] = arity(p, 1, 1)
    const found = await chain.getTransaction(parseHash(h, 0))
    if (!found) return null
    if ('pending' in found) return formatTransaction(found.tx)
    let baseFeePerGas: bigint | undefined
    if ('maxFeePerGas' in found.tx) {
      const block = await chain.getBlockByNumber(found.blockNumber)
      baseFeePerGas = block?.header.baseFeePerGas
    }
    return formatTransaction(found.tx, { ...found, baseFeePerGas })
  },
  eth_getTransactionReceipt: async (p, { chain }) => {
    const [h] = arity(p, 1, 1)
    const r = await chain.getReceipt(parseHash(h, 0))
    return r ? formatReceipt(r) : null
  },
  eth_getBlockByNumber: async (p, { chain }) => {
    const [b, full] = arity(p, 1, 2)
    const tag = parseBlockTag(b, 0)
    const f = full === undefined || full === null ? false : parseBool(full, 1)
    const block = await blockByTag(chain, tag)
    return block ? formatBlock(block, f) : null
  },
  eth_getBlockByHash: async (p, { chain }) => {
    const [h, full] = arity(p, 1, 2)
    const hash = parseHash(h, 0)
    const f = full === undefined || full === null ? false : parseBool(full, 1)
    const block = await chain.getBlockByHash(hash)
    return block ? formatBlock(block, f) : null
  },
  eth_getBlockTransactionCountByNumber: async (p, { chain }) => {
    const [b] = arity(p, 1, 1)
    const block = await blockByTag(chain, parseBlockTag(b, 0))
    return block ? quantity(block.transactions.length) : null
  },
  eth_getBlockTransactionCountByHash: async (p, { chain }) => {
    const [h] = arity(p, 1, 1)
    const block = await chain.getBlockByHash(parseHash(h, 0))
    return block ? quantity(block.transactions.length) : null
  },
  eth_getUncleCountByBlockNumber: async (p, { chain }) => {
    const [b] = arity(p, 1, 1)
    return (await blockByTag(chain, parseBlockTag(b, 0))) ? '0x0' : null
  },
  eth_getUncleCountByBlockHash: async (p, { chain }) => {
    const [h] = arity(p, 1, 1)
    return (await chain.getBlockByHash(parseHash(h, 0))) ? '0x0' : null
  },
  eth_getUncleByBlockNumberAndIndex: (p) => (arity(p, 2, 2), null),
  eth_getUncleByBlockHashAndIndex: (p) => (arity(p, 2, 2), null),
  eth_getTransactionByBlockNumberAndIndex: async (p, ctx) => {
    const [b, i] = arity(p, 2, 2)
    return txInBlock(ctx, parseBlockTag(b, 0), i)
  },
  eth_getTransactionByBlockHashAndIndex: async (p, ctx) => {
    const [h, i] = arity(p, 2, 2)
    return txInBlock(ctx, { hash: parseHash(h, 0) }, i)
  },
  eth_getBlockReceipts: async (p, { chain }) => {
    const [b] = arity(p, 1, 1)
    const block = await blockByTag(chain, parseBlockTag(b, 0))
    if (!block) return null
    return (await chain.getBlockReceipts(block.header.number)).map(formatReceipt)
  },
  eth_getLogs: async (p, { chain }) => {
    const [f] = arity(p, 1, 1)
    return (await getLogs(chain, parseLogFilter(f, 0))).map(formatLog)
  },

  eth_newFilter: (p, { filters }) => {
    const [f] = arity(p, 1, 1)
    return filters.install('logs', parseLogFilter(f, 0))
  },
  eth_newBlockFilter: (p, { filters }) => (arity(p, 0, 0), filters.install('blocks')),
  eth_newPendingTransactionFilter: (p, { filters }) => {
    arity(p, 0, 1)
    return filters.install('pendingTransactions')
  },
  eth_getFilterChanges: (p, { filters }) => {
    const [id] = arity(p, 1, 1)
    const changes = filters.takeChanges(parseData(id, 0))
    if (changes === undefined) throw new ServerError('filter not found')
    return changes.map((c) => (typeof c === 'string' ? c : formatLog(c)))
  },
  eth_getFilterLogs: async (p, { chain, filters }) => {
    const [id] = arity(p, 1, 1)
    const f = filters.get(parseData(id, 0))
    if (f?.kind !== 'logs') throw new ServerError('filter not found')
    return (await getLogs(chain, f.criteria)).map(formatLog)
  },
  eth_uninstallFilter: (p, { filters }) => {
    const [id] = arity(p, 1, 1)
    return filters.uninstall(parseData(id, 0))
  },

  eth_subscribe: async (p, { connection }) => {
    if (!connection) throw new MethodNotFoundError('eth_subscribe', 'notifications not supported')
    if (p.length === 0) throw new InvalidParamsError('missing value for required argument 0')
    const [kind, ...args] = p
    if (typeof kind !== 'string') throw new InvalidParamsError('expected a subscription name', 0)
    return connection.subscribe(kind, args)
  },
  eth_unsubscribe: (p, { connection }) => {
    if (!connection) throw new MethodNotFoundError('eth_unsubscribe', 'notifications not supported')
    const [id] = arity(p, 1, 1)
    if (typeof id !== 'string') throw new InvalidParamsError('expected a subscription id', 0)
    return connection.unsubscribe(id)
  },
}

/** All `newHeads` subscribers of a server: each block's header is formatted once. */
const headGroups = groupsPer<null>((ctx) => {
  const groups: SubscriberGroups<null> = new SubscriberGroups(() => {
    const fn = (block: { header: Parameters<typeof formatHeader>[0] }) => {
      const header = formatHeader(block.header)
      for (const g of groups.list()) deliver(g, header, (err) => ctx.logger.error({ err }, 'newHeads notification failed'))
    }
    ctx.events.on('block', fn)
    return () => ctx.events.off('block', fn)
  })
  return groups
})

const newHeads: SubscriptionHandler = (args, ctx, emit) => {
  if (args.length > 0) throw new InvalidParamsError('too many arguments, want at most 1')
  return headGroups(ctx).add('', null, emit)
}

/** A `logs` subscription's criteria; subscriptions with the same ones share their matching. */
interface LogCriteria {
  from?: bigint
  to?: bigint
  addresses?: Hex[]
  topics?: (Hex | Hex[] | null)[]
}

/**
 * The same criteria, however written, give the same key: addresses and topic alternatives in any
 * order or repeated, a one-hash alternative list or the hash, trailing wildcards or none.
 */
function criteriaKey(c: LogCriteria): string {
  const topics = (c.topics ?? []).map((t) => {
    if (!Array.isArray(t)) return t
    const alternatives = [...new Set(t)].sort()
    return alternatives.length === 1 ? alternatives[0] : alternatives
  })
  while (topics.length > 0 && topics[topics.length - 1] === null) topics.pop()
  return JSON.stringify([
    c.from?.toString() ?? null,
    c.to?.toString() ?? null,
    c.addresses ? [...new Set(c.addresses)].sort() : null,
    topics,
  ])
}

/** All `logs` subscribers of a server, grouped by criteria: each group matches a block once. */
const logGroups = groupsPer<LogCriteria>((ctx) => {
  const groups: SubscriberGroups<LogCriteria> = new SubscriberGroups(() => {
    const fn = (block: { header: { number: bigint } }, receipts: { logs: StoredLog[] }[]) => {
      const n = block.header.number
      for (const g of groups.list()) {
        const { from, to, addresses, topics } = g.value
        if ((from !== undefined && n < from) || (to !== undefined && n > to)) continue
        for (const r of receipts) {
          for (const log of r.logs) {
            if (matchLog(log, addresses, topics)) {
              deliver(g, formatLog(log), (err) => ctx.logger.error({ err }, 'logs notification failed'))
            }
          }
        }
      }
    }
    ctx.events.on('block', fn)
    return () => ctx.events.off('block', fn)
  })
  return groups
})

const logs: SubscriptionHandler = (args, ctx, emit) => {
  if (args.length > 1) throw new InvalidParamsError('too many arguments, want at most 2')
  const f = parseLogFilter(args[0], 1)
  if (f.blockHash) throw new InvalidParamsError('a logs subscription takes no blockHash', 1)
  // As geth: only new logs are pushed; numeric bounds still limit which blocks count.
  const from = typeof f.fromBlock === 'bigint' ? f.fromBlock : undefined
  const to = typeof f.toBlock === 'bigint' ? f.toBlock : undefined
  if (from !== undefined && to !== undefined && from > to) {
    throw new InvalidParamsError('invalid from and to block combination', 1)
  }
  const criteria: LogCriteria = { from, to, addresses: f.addresses, topics: f.topics }
  return logGroups(ctx).add(criteriaKey(criteria), criteria, emit)
}

/** All `newPendingTransactions` subscribers of a server: hashes, or transactions looked up once. */
const pendingGroups = groupsPer<boolean>((ctx) => {
  const groups: SubscriberGroups<boolean> = new SubscriberGroups(() => {
    const onError = (err: unknown) => ctx.logger.error({ err }, 'newPendingTransactions notification failed')
    const fn = (hash: Hex) => {
      for (const g of groups.list()) {
        if (!g.value) {
          deliver(g, hash, onError)
          continue
        }
        ctx.chain.getTransaction(hash).then(
          (found) => found && deliver(g, formatTransaction(found.tx), onError),
          (err) => ctx.logger.warn({ err, hash }, 'pending transaction lookup failed'),
        )
      }
    }
    ctx.events.on('pendingTransaction', fn)
    return () => ctx.events.off('pendingTransaction', fn)
  })
  return groups
})

const newPendingTransactions: SubscriptionHandler = (args, ctx, emit) => {
  if (args.length > 1) throw new InvalidParamsError('too many arguments, want at most 2')
  const full = args[0] === undefined || args[0] === null ? false : parseBool(args[0], 1)
  return pendingGroups(ctx).add(full ? 'full' : 'hash', full, emit)
}

/** The `eth_subscribe` kinds of geth: `newHeads`, `logs`, `newPendingTransactions`. */
export const ethSubscriptions: Record<string, SubscriptionHandler> = {
  newHeads,
  logs,
  newPendingTransactions,
}
