import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bytesToHex } from '@ethereumjs/util'
import pino from 'pino'
import { encodeFunctionData, hexToBytes, parseEther, parseGwei } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { priceUpdateHash } from '../execution/oracle/priceUpdateHash.ts'
import { oracleAbi } from '../execution/precompiles/oracleAbi.ts'
import { DEV_ACCOUNTS, devGenesis } from '../genesis/dev.ts'
import { ORACLE_ADDRESS } from '../state/system/addresses.ts'
import { BlockClock } from './blockClock.ts'
import {
  AlreadyKnownError,
  FeeTooLowError,
  InsufficientFundsError,
  IntrinsicGasTooLowError,
  InvalidTransactionError,
  NonceTooLowError,
  ReplacementUnderpricedError,
  TxUnderpricedError,
  WrongChainIdError,
} from './errors.ts'
import type { MempoolLimits } from './mempool.ts'
import { createNode, type Node } from './node.ts'

const logger = pino({ level: 'silent' })
const alice = privateKeyToAccount(DEV_ACCOUNTS[0][1])
const bob = privateKeyToAccount(DEV_ACCOUNTS[1][1])
const dirs: string[] = []
/**
 * One genesis for the file, so reopened datadirs match it; dated a minute ago so a price update
 * stamped a second after it is never ahead of the block that carries it.
 */
const genesis = devGenesis(Math.floor(Date.now() / 1000) - 60)
const nodes: Node[] = []

async function open(datadir?: string, mempool?: Partial<MempoolLimits>): Promise<{ node: Node; datadir: string }> {
  const dir = datadir ?? mkdtempSync(join(tmpdir(), 'um-node-'))
  if (!datadir) dirs.push(dir)
  const node = await createNode({ datadir: dir, genesis, blockTimeMs: 50, logger, produce: false, mempool })
  nodes.push(node)
  return { node, datadir: dir }
}

afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A dev feeder's (account 9) signed `submitPrices` of ETH at 3,001, stamped `timestamp`. */
async function priceUpdate(timestamp: bigint, nonce: number): Promise<Uint8Array> {
  const feeder = privateKeyToAccount(DEV_ACCOUNTS[9][1])
  const body = { underlyingIds: [1], prices: [3001n * 10n ** 18n], vols: [6n * 10n ** 17n], timestamp }
  const sig = await feeder.signMessage({ message: { raw: priceUpdateHash(31338n, body) } })
  const raw = await feeder.signTransaction({
    chainId: 31338,
    type: 'eip1559',
    to: ORACLE_ADDRESS,
    data: encodeFunctionData({
      abi: oracleAbi,
      functionName: 'submitPrices',
      args: [body.underlyingIds, body.prices, body.vols, body.timestamp, [sig]],
    }),
    nonce,
    gas: 300_000n,
    maxFeePerGas: parseGwei('10'),
    maxPriorityFeePerGas: parseGwei('0.001'),
  })
  return hexToBytes(raw)
}

async function transfer(
  nonce: number,
  opts: {
    to?: `0x${string}` | string
    value?: bigint
    maxFee?: bigint
    tip?: bigint
    gas?: bigint
    chainId?: number
    from?: typeof alice
  } = {},
) {
  const raw = await (opts.from ?? alice).signTransaction({
    chainId: opts.chainId ?? 31338,
    type: 'eip1559',
    to: (opts.to ?? bob.address) as `0x${string}`,
    value: opts.value ?? 1n,
    nonce,
    gas: opts.gas ?? 21_000n,
    maxFeePerGas: opts.maxFee ?? parseGwei('10'),
    maxPriorityFeePerGas: opts.tip ?? parseGwei('1'),
  })
  return hexToBytes(raw)
}

describe('Node', () => {
  it('starts from the dev genesis with the dev accounts funded', async () => {
    const { node } = await open()
    expect(node.headNumber()).toBe(0n)
    expect(await node.getBalance(alice.address, 'latest')).toBe(parseEther('10000'))
    expect(await node.getTransactionCount(alice.address, 'latest')).toBe(0n)
  })

  it('mines transfers in nonce order and charges value plus gas exactly', async () => {
    const { node } = await open()
    const hashes: `0x${string}`[] = []
    for (let i = 0; i < 5; i++) hashes.push(await node.sendRawTransaction(await transfer(i, { value: 1000n })))
    expect(await node.getTransactionCount(alice.address, 'pending')).toBe(5n)
    const block = (await node.produceBlock())!
    expect(block.transactions).toHaveLength(5)
    expect(node.mempool.size).toBe(0)
    let spent = 0n
    for (const h of hashes) {
      const r = (await node.getReceipt(h))!
      expect(r.status).toBe(1)
      expect(r.gasUsed).toBe(21_000n)
      expect(r.blockHash).toBe(bytesToHex(block.hash()))
      spent += r.gasUsed * r.effectiveGasPrice + 1000n
    }
    expect(await node.getBalance(alice.address, 'latest')).toBe(parseEther('10000') - spent)
    expect(await node.getBalance(bob.address, 'latest')).toBe(parseEther('10000') + 5000n)
    expect(await node.getBalance(alice.address, 0n)).toBe(parseEther('10000'))
  })

  it('refuses bad transactions with geth-worded errors', async () => {
    const { node } = await open()
    await node.sendRawTransaction(await transfer(0))
    await expect(node.sendRawTransaction(await transfer(0))).rejects.toBeInstanceOf(AlreadyKnownError)
    await expect(node.sendRawTransaction(await transfer(0, { value: 2n }))).rejects.toBeInstanceOf(ReplacementUnderpricedError)
    await node.produceBlock()
    await expect(node.sendRawTransaction(await transfer(0, { value: 3n }))).rejects.toBeInstanceOf(NonceTooLowError)
    await expect(node.sendRawTransaction(await transfer(1, { gas: 20_000n }))).rejects.toBeInstanceOf(IntrinsicGasTooLowError)
    await expect(node.sendRawTransaction(await transfer(1, { value: parseEther('20000') }))).rejects.toBeInstanceOf(InsufficientFundsError)
    await expect(node.sendRawTransaction(await transfer(1, { maxFee: 1n, tip: 1n }))).rejects.toBeInstanceOf(FeeTooLowError)
    await expect(node.sendRawTransaction(await transfer(1, { chainId: 1 }))).rejects.toBeInstanceOf(WrongChainIdError)
    // The message names the id the transaction was signed for, for typed and legacy ones alike.
    await expect(node.sendRawTransaction(await transfer(1, { chainId: 5 }))).rejects.toThrow('invalid chain id: have 5, want 31338')
    const legacy = await alice.signTransaction({
      chainId: 1,
      type: 'legacy',
      to: bob.address,
      nonce: 1,
      gas: 21_000n,
      gasPrice: parseGwei('10'),
    })
    await expect(node.sendRawTransaction(hexToBytes(legacy))).rejects.toThrow('invalid chain id: have 1, want 31338')
    await expect(node.sendRawTransaction(Uint8Array.of(1, 2, 3))).rejects.toBeInstanceOf(InvalidTransactionError)
    await expect(node.sendRawTransaction(await transfer(1, { value: 9n }))).resolves.toMatch(/^0x/)
  })

  it('replaces a queued transaction that pays 10% more', async () => {
    const { node } = await open()
    const first = await node.sendRawTransaction(await transfer(0, { value: 1n }))
    const second = await node.sendRawTransaction(await transfer(0, { value: 2n, maxFee: parseGwei('11'), tip: parseGwei('1.1') }))
    await node.produceBlock()
    expect(await node.getReceipt(first)).toBeUndefined()
    expect((await node.getReceipt(second))?.status).toBe(1)
  })

  it('checks the balance against all of the sender’s pooled transactions before this one', async () => {
    const { node } = await open()
    const poor = privateKeyToAccount(generatePrivateKey())
    // 21,000 gas at 10 gwei = 0.00021 ETH each: room for two with 0.0005 ETH.
    await node.sendRawTransaction(await transfer(0, { to: poor.address, value: parseEther('0.0005') }))
    await node.produceBlock()
    await node.sendRawTransaction(await transfer(0, { from: poor, value: 0n }))
    await node.sendRawTransaction(await transfer(1, { from: poor, value: 0n }))
    await expect(node.sendRawTransaction(await transfer(2, { from: poor, value: 0n }))).rejects.toThrow(
      /^insufficient funds for gas \* price \+ value: address 0x[0-9a-f]{40} have 500000000000000 want 630000000000000$/,
    )
  })

  it('puts feeders’ price updates first in a block and never refuses one for a full pool', async () => {
    const { node } = await open(undefined, { totalSlots: 3, totalQueue: 1, accountSlots: 0 })
    for (let n = 0; n < 3; n++) await node.sendRawTransaction(await transfer(n, { maxFee: parseGwei('50'), tip: parseGwei('5') }))
    await expect(node.sendRawTransaction(await transfer(0, { from: bob }))).rejects.toBeInstanceOf(TxUnderpricedError)
    // A price update as the dev feeder (account 9) signs it, tipping 0.001 gwei.
    const feederAccount = privateKeyToAccount(DEV_ACCOUNTS[9][1])
    const updateBody = {
      underlyingIds: [1],
      prices: [3001n * 10n ** 18n],
      vols: [6n * 10n ** 17n],
      timestamp: (await node.getBlockByNumber(0n))!.header.timestamp + 1n,
    }
    const sig = await feederAccount.signMessage({ message: { raw: priceUpdateHash(31338n, updateBody) } })
    const raw = await feederAccount.signTransaction({
      chainId: 31338,
      type: 'eip1559',
      to: ORACLE_ADDRESS,
      data: encodeFunctionData({
        abi: oracleAbi,
        functionName: 'submitPrices',
        args: [updateBody.underlyingIds, updateBody.prices, updateBody.vols, updateBody.timestamp, [sig]],
      }),
      nonce: 0,
      gas: 300_000n,
      maxFeePerGas: parseGwei('10'),
      maxPriorityFeePerGas: parseGwei('0.001'),
    })
    // It tips 0.001 gwei, against alice's 5, and still takes the place of alice's last one.
    const update = await node.sendRawTransaction(hexToBytes(raw))
    expect(node.mempool.size).toBe(3)
    const block = (await node.produceBlock())!
    expect(bytesToHex(block.transactions[0].hash())).toBe(update)
    expect((await node.getReceipt(update))?.status).toBe(1)
    expect(block.transactions).toHaveLength(3)
  })

  it('never runs a price update in a block stamped before the second it was signed in', async () => {
    const { node } = await open()
    // The feeder signs the wall clock's second; the block is stamped with it when it opens. A
    // signed update admitted while a block opens (its stamp read, its transactions not yet
    // chosen) must wait for the next block, or it is "future timestamp" in this one.
    const second = (await node.getBlockByNumber(0n))!.header.timestamp + 10n
    const update = await priceUpdate(second + 1n, 0)
    const next = BlockClock.prototype.next
    let admitted: Promise<string> | undefined
    const clock = vi.spyOn(BlockClock.prototype, 'next').mockImplementation(function (this: BlockClock, parent: bigint) {
      next.call(this, parent)
      admitted ??= node.sendRawTransaction(update)
      return second
    })
    try {
      const first = (await node.produceBlock())!
      const hash = await admitted!
      clock.mockImplementation(() => second + 1n)
      const after = (await node.produceBlock())!
      const receipt = (await node.getReceipt(hash as `0x${string}`))!
      expect(receipt.status).toBe(1)
      expect(receipt.blockNumber).toBe(after.header.number)
      expect(first.transactions).toHaveLength(0)
    } finally {
      clock.mockRestore()
    }
  })

  it('holds a nonce gap until it is filled', async () => {
    const { node } = await open()
    const later = await node.sendRawTransaction(await transfer(1))
    expect((await node.produceBlock())!.transactions).toHaveLength(0)
    await node.sendRawTransaction(await transfer(0))
    expect((await node.produceBlock())!.transactions).toHaveLength(2)
    expect((await node.getReceipt(later))?.transactionIndex).toBe(1)
  })

  it('resumes at the same head and state root after a restart', async () => {
    const { node, datadir } = await open()
    const hash = await node.sendRawTransaction(await transfer(0, { value: 77n }))
    const block = (await node.produceBlock())!
    await node.close()
    const { node: again } = await open(datadir)
    expect(again.headNumber()).toBe(1n)
    const head = (await again.getBlockByNumber(1n))!
    expect(bytesToHex(head.hash())).toBe(bytesToHex(block.hash()))
    expect(bytesToHex(head.header.stateRoot)).toBe(bytesToHex(block.header.stateRoot))
    expect((await again.getReceipt(hash))?.status).toBe(1)
    expect(await again.getBalance(bob.address, 'latest')).toBe(parseEther('10000') + 77n)
    await again.sendRawTransaction(await transfer(1))
    expect((await again.produceBlock())!.header.number).toBe(2n)
  })

  it('reaches the same state root when the same transactions are replayed into a fresh datadir', async () => {
    const a = await open()
    const b = await open()
    const raws = [await transfer(0, { value: 5n }), await transfer(0, { from: bob, to: alice.address, value: 6n })]
    for (const { node } of [a, b]) for (const raw of raws) await node.sendRawTransaction(raw)
    // One stamp for both: the block's interest accrual and funding read it, so the root does.
    const timestamp = genesis.timestamp + 30n
    const [ba, bb] = [(await a.node.produceBlock({ timestamp }))!, (await b.node.produceBlock({ timestamp }))!]
    expect(bytesToHex(ba.header.stateRoot)).toBe(bytesToHex(bb.header.stateRoot))
    expect(bytesToHex(ba.header.transactionsTrie)).toBe(bytesToHex(bb.header.transactionsTrie))
    expect(bytesToHex(ba.header.receiptTrie)).toBe(bytesToHex(bb.header.receiptTrie))
  })

  it('answers requests while a long block runs, and keeps what arrives then for the next block', async () => {
    const { node } = await open()
    const senders = DEV_ACCOUNTS.slice(0, 8).map(([, key]) => privateKeyToAccount(key))
    for (let n = 0; n < 60; n++) {
      for (const from of senders) await node.sendRawTransaction(await transfer(n, { from, to: bob.address }))
    }
    const late = await transfer(0, { from: privateKeyToAccount(DEV_ACCOUNTS[9][1]) })
    let blockDone = false
    const producing = node.produceBlock().then((b) => {
      blockDone = true
      return b
    })
    // Admitted once the block is running transactions: answered before the block is done.
    const executor = (node as unknown as { producer: { executor: { txCount: number } } }).producer.executor
    while (executor.txCount === 0) await new Promise((resolve) => setImmediate(resolve))
    const lateHash = await node.sendRawTransaction(late)
    expect(blockDone).toBe(false)
    // …and in the middle of its transactions, not after them.
    expect(executor.txCount).toBeLessThan(480)
    const block = (await producing)!
    expect(block.transactions).toHaveLength(480)
    expect(await node.getReceipt(lateHash)).toBeUndefined()
    const next = (await node.produceBlock())!
    expect(next.transactions.map((t) => bytesToHex(t.hash()))).toEqual([lateHash])
  })
})
