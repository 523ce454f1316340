import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Block } from '@ethereumjs/block'
import pino from 'pino'
import { type Address, bytesToHex, getAddress, type Hex, parseEventLogs, zeroAddress } from 'viem'
import { afterEach, describe, expect, it } from 'vitest'
import type { FinalDeposit } from '../bridge/types.ts'
import { BlockImportError } from '../chain/errors.ts'
import { createNode, type Node } from '../chain/node.ts'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { createDepositCredits, type DepositCredits, depositSystemTx } from '../execution/system/depositCredits.ts'
import { decodeBlock, isSystemTx, SYSTEM_SENDER } from '../execution/system/systemTx.ts'
import { DEV_ACCOUNTS, devGenesis } from '../genesis/dev.ts'
import { MARGIN_ADDRESS } from '../state/system/addresses.ts'
import { UmaStore } from '../state/system/umaStore.ts'

const logger = pino({ level: 'silent' })
const USDC_L1: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const PORTAL: Address = '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0'
const alice = DEV_ACCOUNTS[1][0].toLowerCase() as Hex
const fresh = '0x00000000000000000000000000000000000c0ffe' as Hex
const open: { node: Node; dir: string }[] = []

afterEach(async () => {
  for (const { node, dir } of open.splice(0)) {
    await node.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

/** One genesis for the file (the dev genesis is dated when built): a follower must start from the same. */
const genesis = devGenesis()

async function nodeWithCredits(): Promise<{ node: Node; credits: DepositCredits }> {
  const dir = mkdtempSync(join(tmpdir(), 'um-credits-'))
  const node = await createNode({ datadir: dir, genesis, blockTimeMs: 50, logger, produce: false })
  open.push({ node, dir })
  const credits = createDepositCredits({
    assets: [
      { token: USDC_L1, assetId: 1, decimals: 6 },
      { token: zeroAddress, assetId: 2, decimals: 18 },
    ],
    readState: async () => (await node.stateAt('latest')).state,
  })
  node.attachBridge(credits, () => 0n)
  return { node, credits }
}

const deposit = (id: bigint, to: Hex, token: Address, amountL1: bigint): FinalDeposit => ({
  depositId: id,
  from: getAddress(to),
  l2Recipient: getAddress(to),
  token,
  amountL1,
  l1Block: 10n + id,
  l1BlockHash: `0x${id.toString(16).padStart(64, '0')}`,
  l1TxHash: `0x${(id + 1000n).toString(16).padStart(64, '0')}`,
  logIndex: 0,
  sourceChainId: 31337,
  portal: PORTAL,
})

async function balance(node: Node, account: Hex, assetId: number): Promise<bigint> {
  return new UmaStore((await node.stateAt('latest')).state).balance(account, assetId)
}

describe('deposit credits in blocks', () => {
  it('credits at the next block start, resolves after commit, exactly once by id', async () => {
    const { node, credits } = await nodeWithCredits()
    const before = await balance(node, alice, 1)
    expect(credits.hasWork()).toBe(false)
    const done = credits.credit([deposit(1n, alice, USDC_L1, 2_500_000n), deposit(2n, fresh, zeroAddress, 10n ** 17n)])
    expect(credits.hasWork()).toBe(true)
    const block = (await node.produceBlock())!
    expect(await done).toEqual({ l2Block: block.header.number })
    expect(await balance(node, alice, 1)).toBe(before + 2_500_000_000_000_000_000n)
    expect(await balance(node, fresh, 2)).toBe(10n ** 17n)
    expect(await credits.lastCreditedDepositId!({ chainId: 31337, portal: PORTAL })).toBe(2n)
    // The block records what it credited: its first transaction is the system credit, whose
    // receipt carries one Deposit event per deposit.
    expect(isSystemTx(block.transactions[0])).toBe(true)
    const receipt = (await node.getReceipt(bytesToHex(block.transactions[0].hash()) as Hex))!
    expect(receipt).toMatchObject({ status: 1, gasUsed: 0n, from: SYSTEM_SENDER, to: MARGIN_ADDRESS, type: 0x7e })
    const events = parseEventLogs({ abi: MARGIN_ABI, logs: receipt.logs as never, eventName: 'Deposit' })
    expect(events.map((e) => e.args)).toEqual([
      { depositId: 1n, account: getAddress(alice), assetId: 1, amount: 2_500_000_000_000_000_000n, sourceChainId: 31337n },
      { depositId: 2n, account: getAddress(fresh), assetId: 2, amount: 10n ** 17n, sourceChainId: 31337n },
    ])
    expect(await node.getBlockDeposits(block.header.number)).toMatchObject([
      { depositId: '1', account: alice, assetId: 1, amountWad: '2500000000000000000' },
      { depositId: '2', account: fresh, assetId: 2, amountWad: '100000000000000000' },
    ])
    // The margin mirror sees the new account.
    // WETH is pooled (SPEC 6.2): its balance is stored as scaled principal, 10^18 × the amount at index 1.
    expect(node.margin!.accounts.holdingsOf(fresh)?.balances).toEqual([{ assetId: 2, amount: 10n ** 17n, scaled: 10n ** 35n }])

    // Handed over again (a watcher that lost its cursor): skipped, nothing credited twice.
    const again = credits.credit([deposit(2n, fresh, zeroAddress, 10n ** 17n)])
    await node.produceBlock()
    await again
    expect(await balance(node, fresh, 2)).toBe(10n ** 17n)
    // Out of sequence (id 4 after 2): skipped too.
    const gap = credits.credit([deposit(4n, fresh, zeroAddress, 1n)])
    await node.produceBlock()
    await gap
    expect(await balance(node, fresh, 2)).toBe(10n ** 17n)
    expect(await credits.lastCreditedDepositId!({ chainId: 31337, portal: PORTAL })).toBe(2n)
  })

  it('consumes the id of a deposit too large to credit, and credits the next one', async () => {
    const { node, credits } = await nodeWithCredits()
    const before = await balance(node, alice, 1)
    // 2^200 USDC base units is 2^200·10^12 wad: past what a balance may hold (lib/fixed MAX_WAD).
    const done = credits.credit([deposit(1n, alice, USDC_L1, 2n ** 200n), deposit(2n, alice, USDC_L1, 3_000_000n)])
    const block = (await node.produceBlock())!
    expect(await done).toEqual({ l2Block: block.header.number })
    expect(await balance(node, alice, 1)).toBe(before + 3n * 10n ** 18n)
    expect(await credits.lastCreditedDepositId!({ chainId: 31337, portal: PORTAL })).toBe(2n)
    expect(await node.getBlockDeposits(block.header.number)).toMatchObject([
      { depositId: '1', account: alice, assetId: null, amountWad: '0' },
      { depositId: '2', account: alice, assetId: 1, amountWad: '3000000000000000000' },
    ])
  })

  it('the same credits give the same state root on another node (pure function of the blocks)', async () => {
    const a = await nodeWithCredits()
    const b = await nodeWithCredits()
    const ds = [deposit(1n, alice, USDC_L1, 7n), deposit(2n, alice, zeroAddress, 5n)]
    const roots: string[] = []
    // Both blocks at one stamp: interest accrues by the stamp, so two wall-clock seconds differ.
    const timestamp = BigInt(Math.floor(Date.now() / 1000)) + 1n
    for (const { node, credits } of [a, b]) {
      const p = credits.credit(ds)
      const block = (await node.produceBlock({ timestamp }))!
      await p
      roots.push(Buffer.from(block.header.stateRoot).toString('hex'))
    }
    expect(roots[0]).toBe(roots[1])
    const [empty] = await Promise.all([a.node.getBlockDeposits(0n)])
    expect(empty).toEqual([])
  })

  it('a follower importing the block reproduces it from its system transaction; a forged credit is refused', async () => {
    const a = await nodeWithCredits()
    const p = a.credits.credit([deposit(1n, alice, USDC_L1, 2_000_000n)])
    const produced = (await a.node.produceBlock())!
    await p
    const record = await a.node.getBlockDeposits(1n)
    expect(record).toHaveLength(1)
    // As a follower gets it: the stored bytes, decoded.
    const block = decodeBlock(produced.serialize(), a.node.common)
    expect(block.hash()).toEqual(produced.hash())

    const dirB = mkdtempSync(join(tmpdir(), 'um-credits-'))
    const b = await createNode({ datadir: dirB, genesis, blockTimeMs: 50, logger, produce: false })
    open.push({ node: b, dir: dirB })
    // The same header with a credit of a larger amount: a different state root, refused.
    const forgedTx = depositSystemTx(1n, [{ ...record[0], amountWad: (BigInt(record[0].amountWad) * 2n).toString() }])
    const forged = new Block(block.header, [forgedTx.asTyped(), ...block.transactions.slice(1)], [], block.withdrawals, {
      common: a.node.common,
    })
    await expect(b.importBlock(forged)).rejects.toThrow(BlockImportError)
    expect(b.headNumber()).toBe(0n)
    await b.importBlock(block)
    expect(b.headNumber()).toBe(1n)
    expect((await b.getBlockByNumber(1n))!.hash()).toEqual(block.hash())
    expect(await balance(b, alice, 1)).toBe(await balance(a.node, alice, 1))
    expect(await b.getBlockDeposits(1n)).toEqual(record)
    expect(await b.getReceipt(bytesToHex(block.transactions[0].hash()) as Hex)).toEqual(
      await a.node.getReceipt(bytesToHex(block.transactions[0].hash()) as Hex),
    )
  })

  it('failAll rejects queued credits (shutdown); nothing is credited', async () => {
    const { node, credits } = await nodeWithCredits()
    const p = credits.credit([deposit(1n, fresh, zeroAddress, 1n)])
    credits.failAll(new Error('stopping'))
    await expect(p).rejects.toThrow('stopping')
    await node.produceBlock()
    expect(await balance(node, fresh, 2)).toBe(0n)
  })
})
