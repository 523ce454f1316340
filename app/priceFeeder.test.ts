/**
 * The dev price feeder against an in-process node with the Oracle precompile: its updates are
 * accepted and move the on-chain prices; it knows the dev feeder's key and no other.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { decodeFunctionResult, encodeFunctionData, type Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNode, type Node } from '../chain/node.ts'
import { createOracleSpec } from '../execution/precompiles/oracle.ts'
import { oracleAbi } from '../execution/precompiles/oracleAbi.ts'
import { DEV_ACCOUNTS, devGenesis } from '../genesis/dev.ts'
import { WAD } from '../lib/fixed.ts'
import { ORACLE_ADDRESS } from '../state/system/addresses.ts'
import { feederKeysFor, type PriceFeeder, startPriceFeeder } from './priceFeeder.ts'

const genesis = devGenesis()
const logger = pino({ level: 'silent' })
let node: Node
let dir: string
let feeder: PriceFeeder | undefined

async function priceOf(id: number) {
  const r = await node.call(
    { to: ORACLE_ADDRESS, data: encodeFunctionData({ abi: oracleAbi, functionName: 'priceOf', args: [id] }) },
    'latest',
  )
  if (!r.ok) throw new Error('priceOf failed')
  return decodeFunctionResult({ abi: oracleAbi, functionName: 'priceOf', data: r.returnData })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'um-feeder-'))
  node = await createNode({
    datadir: dir,
    genesis,
    blockTimeMs: 50,
    logger,
    precompiles: [createOracleSpec({ chainId: genesis.chainId, getConfig: async () => genesis.margin!.config })],
  })
})

afterAll(async () => {
  await feeder?.stop()
  await node.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('feederKeysFor', () => {
  const a = (i: number) => DEV_ACCOUNTS[i][0].toLowerCase() as Hex
  it('finds the dev feeder key of the dev genesis', () => {
    expect(feederKeysFor(genesis.margin!.config.oracle)).toEqual([DEV_ACCOUNTS[9][1]])
  })
  it('gives threshold-many keys, or none when it knows too few', () => {
    expect(feederKeysFor({ feeders: [a(9), a(8), a(7)], threshold: 2 })).toEqual([DEV_ACCOUNTS[9][1], DEV_ACCOUNTS[8][1]])
    expect(feederKeysFor({ feeders: ['0x000000000000000000000000000000000000dead', a(8)], threshold: 2 })).toBeUndefined()
    expect(feederKeysFor({ feeders: ['0x000000000000000000000000000000000000dead'], threshold: 1 })).toBeUndefined()
  })
})

describe('startPriceFeeder', () => {
  it('submits signed updates that the chain accepts, moving every price', async () => {
    const before = await Promise.all([1, 2, 3].map(priceOf))
    feeder = startPriceFeeder({
      chain: node,
      chainId: genesis.chainId,
      feederKeys: feederKeysFor(genesis.margin!.config.oracle)!,
      underlyings: genesis.margin!.config.market.underlyings,
      intervalMs: 250,
      seed: 42,
      logger,
    })
    const deadline = Date.now() + 15_000
    let updates = 0
    let lastTs = before[0][2]
    while (updates < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250))
      const [, , ts] = await priceOf(1)
      if (ts > lastTs) {
        updates++
        lastTs = ts
      }
    }
    expect(updates).toBe(2)
    const after = await Promise.all([1, 2, 3].map(priceOf))
    for (let i = 0; i < 3; i++) {
      expect(after[i][0]).not.toBe(before[i][0])
      expect(after[i][2]).toBeGreaterThan(before[i][2])
      // a sane move, not a jump: within 10% of the genesis price after a few seconds
      const ratio = Number((after[i][0] * 1000n) / before[i][0]) / 1000
      expect(ratio).toBeGreaterThan(0.9)
      expect(ratio).toBeLessThan(1.1)
      expect(after[i][1]).toBeGreaterThan(WAD / 100n)
    }
    // submitted from the feeder's own account
    expect(await node.getTransactionCount(DEV_ACCOUNTS[9][0], 'latest')).toBeGreaterThanOrEqual(2n)
    await feeder.stop()
    // let an update already in the mempool be mined, then nothing more may come
    await new Promise((r) => setTimeout(r, 500))
    const stopped = await priceOf(1)
    await new Promise((r) => setTimeout(r, 1500))
    expect(await priceOf(1)).toEqual(stopped)
  })
})
