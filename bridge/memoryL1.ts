/**
 * An L1 in memory behind the same `L1Client` interface as `createViemL1Client`, so the scanner,
 * the watcher and the poster can be tested without Anvil: a chain of blocks with hashes, `safe`
 * and `finalized` heads a fixed depth below `latest` (or pinned), a portal's `DepositInitiated`
 * and `CommitmentPosted` logs, reorgs that replace the newest blocks (their logs go with them,
 * and deposit ids and commitment indexes follow the new chain, as the portal's storage would),
 * and a switch (`down`) that makes every call fail with `L1UnavailableError`, as an outage.
 */
import { type Address, type Hex, keccak256, toHex, zeroAddress } from 'viem'
import { L1UnavailableError } from './errors.ts'
import type { CommitmentLog, CommitResult, L1Client } from './l1Client.ts'
import type { DepositLog, L1BlockRef } from './types.ts'

/** Options of `createMemoryL1`. */
export interface MemoryL1Options {
  /** 31,337 by default. */
  chainId?: number
  /** `safe` = `latest − safeDepth` (at least 0); 2 by default, as the tests' Anvil. */
  safeDepth?: number
  /** `finalized` = `latest − finalizedDepth` (at least 0); 4 by default. */
  finalizedDepth?: number
  /** Seconds between blocks; 12 by default. */
  blockTimeSeconds?: number
}

/** What a deposit needs; the rest (id, block, hashes) the chain gives it. */
export interface MemoryDeposit {
  l2Recipient: Address
  amountL1: bigint
  /** The zero address (ETH) by default. */
  token?: Address
  from?: Address
}

/** The in-memory L1 and its controls. */
export interface MemoryL1 extends L1Client {
  /** While true every `L1Client` call rejects with `L1UnavailableError`. */
  down: boolean
  /** Pinned `safe`/`finalized` numbers; absent, they follow `latest` at their depth. */
  tags: { safe?: bigint; finalized?: bigint }
  /** When set, `sendCommit` is refused with this reason (as the portal refuses a non-sequencer). */
  refuseCommits: string | null
  /** Every `L1Client` call, in order (method and arguments), outages included. */
  readonly calls: { method: keyof L1Client; args: unknown[] }[]
  /** The latest block number (never fails). */
  latest(): bigint
  /** The canonical block at `number` (never fails). */
  block(number: bigint): L1BlockRef | null
  /** Mines `count` empty blocks; returns the new latest. */
  mine(count?: number): bigint
  /** Mines one block holding a deposit to `portal`; returns its log. */
  deposit(portal: Address, d: MemoryDeposit): DepositLog
  /**
   * Replaces the newest `depth` blocks (and their logs) by `length` new empty blocks with other
   * hashes; `length` is `depth` by default.
   */
  reorg(depth: number, length?: number): void
  /** Marks withdrawal `id` paid by `portal`. */
  finalizeWithdrawal(portal: Address, id: bigint): void
}

interface MemoryBlock {
  ref: L1BlockRef
  deposits: { portal: Address; log: DepositLog }[]
  commitments: { portal: Address; log: CommitmentLog }[]
}

/** The chain's data, shared by the controls and the client. */
interface MemoryChain {
  chainId: number
  opts: MemoryL1Options
  blocks: MemoryBlock[]
  /** `portal:id` of paid withdrawals. */
  paid: Set<string>
  /** Makes every block hash unique, so a block replaced by a reorg gets another hash. */
  salt: number
}

const same = (a: Address, b: Address) => a.toLowerCase() === b.toLowerCase()
const latestOf = (c: MemoryChain) => BigInt(c.blocks.length - 1)

function append(c: MemoryChain): MemoryBlock {
  const number = BigInt(c.blocks.length)
  const parentHash = c.blocks.length > 0 ? c.blocks[c.blocks.length - 1].ref.hash : (`0x${'00'.repeat(32)}` as Hex)
  const hash = keccak256(toHex(`${c.chainId}/${number}/${parentHash}/${c.salt++}`))
  const timestamp = 1_700_000_000n + number * BigInt(c.opts.blockTimeSeconds ?? 12)
  const b: MemoryBlock = { ref: { number, hash, parentHash, timestamp }, deposits: [], commitments: [] }
  c.blocks.push(b)
  return b
}

/**
 * A fresh chain holding its genesis block (number 0).
 *
 * @example
 * const l1 = createMemoryL1({ safeDepth: 2, finalizedDepth: 4 })
 * l1.deposit(portal, { l2Recipient: alice, amountL1: 5n })
 * l1.reorg(1) // the deposit's block is gone
 * l1.down = true // every call now fails
 */
export function createMemoryL1(opts: MemoryL1Options = {}): MemoryL1 {
  const c: MemoryChain = { chainId: opts.chainId ?? 31_337, opts, blocks: [], paid: new Set(), salt: 0 }
  append(c)
  const l1 = {
    down: false,
    tags: {},
    refuseCommits: null,
    calls: [],
    latest: () => latestOf(c),
    block: (number: bigint) => (number >= 0n && number < c.blocks.length ? { ...c.blocks[Number(number)].ref } : null),
    mine(count = 1) {
      for (let i = 0; i < count; i++) append(c)
      return latestOf(c)
    },
    deposit: (portal: Address, d: MemoryDeposit) => deposit(c, portal, d),
    reorg(depth: number, length = depth) {
      if (depth >= c.blocks.length) throw new Error(`memoryL1: cannot reorg ${depth} of ${c.blocks.length} blocks (genesis stays)`)
      c.blocks.length -= depth
      for (let i = 0; i < length; i++) append(c)
    },
    finalizeWithdrawal: (portal: Address, id: bigint) => void c.paid.add(`${portal.toLowerCase()}:${id}`),
  } as Omit<MemoryL1, keyof L1Client> as MemoryL1
  const client = memoryClient(c, l1)
  for (const method of Object.keys(client) as (keyof L1Client)[]) {
    const inner = client[method] as (...args: unknown[]) => Promise<unknown>
    ;(l1 as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      l1.calls.push({ method, args })
      if (l1.down) throw new L1UnavailableError('memory://l1', { cause: 'the in-memory L1 is switched off' })
      return inner(...args)
    }
  }
  return l1
}

/** Mines one block holding a deposit; its id follows the portal's canonical deposits. */
function deposit(c: MemoryChain, portal: Address, d: MemoryDeposit): DepositLog {
  const depositId = BigInt(c.blocks.flatMap((b) => b.deposits.filter((x) => same(x.portal, portal))).length + 1)
  const b = append(c)
  const log: DepositLog = {
    depositId,
    from: d.from ?? zeroAddress,
    l2Recipient: d.l2Recipient,
    token: d.token ?? zeroAddress,
    amountL1: d.amountL1,
    l1Block: b.ref.number,
    l1BlockHash: b.ref.hash,
    l1TxHash: keccak256(toHex(`deposit/${b.ref.hash}/${depositId}`)),
    logIndex: 0,
  }
  b.deposits.push({ portal, log })
  return { ...log }
}

/** Mines one block holding a commitment, refused as the portal would refuse it. */
function commit(c: MemoryChain, l1: MemoryL1, portal: Address, x: { l2Block: bigint; stateRoot: Hex; withdrawalRoot: Hex }): CommitResult {
  if (l1.refuseCommits !== null) return { status: 'reverted', reason: l1.refuseCommits }
  const held = c.blocks.flatMap((b) => b.commitments.filter((y) => same(y.portal, portal)))
  const last = held[held.length - 1]
  if (last && x.l2Block <= last.log.l2Block) return { status: 'reverted', reason: 'l2Block not increasing' }
  const b = append(c)
  const log: CommitmentLog = {
    index: held.length,
    ...x,
    l1Timestamp: b.ref.timestamp,
    l1Block: b.ref.number,
    l1BlockHash: b.ref.hash,
    l1TxHash: keccak256(toHex(`commit/${b.ref.hash}/${held.length}`)),
  }
  b.commitments.push({ portal, log })
  return { status: 'posted', commitment: { ...log } }
}

/** The `L1Client` methods over the chain, before the outage switch and the call record. */
function memoryClient(c: MemoryChain, l1: MemoryL1): L1Client {
  const inRange = (from: bigint, to: bigint) => c.blocks.filter((b) => b.ref.number >= from && b.ref.number <= to)
  return {
    chainId: async () => c.chainId,
    async blockNumber(tag) {
      const latest = latestOf(c)
      if (tag === 'latest') return latest
      const depth = BigInt(tag === 'safe' ? (c.opts.safeDepth ?? 2) : (c.opts.finalizedDepth ?? 4))
      const n = l1.tags[tag] ?? (latest > depth ? latest - depth : 0n)
      return n > latest ? latest : n
    },
    getBlock: async (number) => l1.block(number),
    getDepositLogs: async (portal, from, to) =>
      inRange(from, to).flatMap((b) => b.deposits.filter((d) => same(d.portal, portal)).map((d) => ({ ...d.log }))),
    getCommitmentLogs: async (portal, from, to) =>
      inRange(from, to).flatMap((b) => b.commitments.filter((x) => same(x.portal, portal)).map((x) => ({ ...x.log }))),
    isWithdrawalFinalized: async (portal, id) => c.paid.has(`${portal.toLowerCase()}:${id}`),
    sendCommit: async (portal, x) => commit(c, l1, portal, x),
  }
}
