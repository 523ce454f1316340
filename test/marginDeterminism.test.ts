/**
 * Two properties of the margin chain over random trade streams through the example venues:
 * positions are zero-sum per instrument after every block, and the state root is a pure function
 * of the blocks — a fresh node re-executing them (`importBlock`) reproduces every block exactly.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Block } from '@ethereumjs/block'
import fc from 'fast-check'
import pino from 'pino'
import { encodeFunctionData, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { BlockImportError } from '../chain/errors.ts'
import { createNode, type Node } from '../chain/node.ts'
import { priceUpdateHash } from '../execution/oracle/priceUpdateHash.ts'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { oracleAbi } from '../execution/precompiles/oracleAbi.ts'
import { decodeBlock, isSystemTx } from '../execution/system/systemTx.ts'
import { exampleArtifacts } from '../genesis/contracts/exampleContracts.ts'
import { DEV_ACCOUNTS, DEV_OPTIONS_VENUE, DEV_PERP_VENUE, devGenesis } from '../genesis/dev.ts'
import { numberToWad } from '../lib/fixed.ts'
import { devRiskParams, simulateMargin } from '../risk/index.ts'
import { MARGIN_ADDRESS, ORACLE_ADDRESS } from '../state/system/addresses.ts'
import { UmaStore } from '../state/system/umaStore.ts'
import { devOptionName } from './support/devNames.ts'
import { Driver } from './support/driver.ts'

const W = 10n ** 18n
const venueAbi = exampleArtifacts().OptionsVenue.abi
const TRADERS = [3, 4, 5, 6, 7]
const logger = pino({ level: 'silent' })

interface Trade {
  maker: number
  taker: number
  perp: boolean
  instrument: number
  /** Tenths of a unit. */
  size: number
  price: number
  makerSells: boolean
}

const trade: fc.Arbitrary<Trade> = fc
  .record({
    maker: fc.constantFrom(...TRADERS),
    taker: fc.constantFrom(...TRADERS),
    perp: fc.boolean(),
    option: fc.integer({ min: 3, max: 26 }),
    perpId: fc.constantFrom(1, 2),
    size: fc.integer({ min: 1, max: 50 }),
    /** Per mille of the mark-ish price: trades stay near the market, so most pass the margin rule. */
    offset: fc.integer({ min: 900, max: 1100 }),
    premium: fc.integer({ min: 1, max: 400 }),
    makerSells: fc.boolean(),
  })
  .filter((t) => t.maker !== t.taker)
  .map((t) => ({
    ...t,
    instrument: t.perp ? t.perpId : t.option,
    price: t.perp ? ((t.perpId === 1 ? 3000 : 60000) * t.offset) / 1000 : t.premium,
  }))

/** Σ sizes of every instrument over its holders, at the head. */
async function openInterest(node: Node): Promise<Map<number, bigint>> {
  const { state } = await node.stateAt('latest')
  const store = new UmaStore(state)
  const out = new Map<number, bigint>()
  for (let id = 1; id <= 26; id++) {
    let sum = 0n
    for (const holder of await store.holders(id)) sum += (await store.position(holder, id)).size
    out.set(id, sum)
  }
  return out
}

async function withNodes<T>(fn: (a: Node, b: Node) => Promise<T>): Promise<T> {
  const genesis = devGenesis()
  // Fresh genesis prices: the stream runs well within maxOracleAge of genesis.
  genesis.timestamp = BigInt(Math.floor(Date.now() / 1000))
  const dirs = [mkdtempSync(join(tmpdir(), 'um-det-a-')), mkdtempSync(join(tmpdir(), 'um-det-b-'))]
  const [a, b] = await Promise.all(dirs.map((datadir) => createNode({ datadir, genesis, blockTimeMs: 50, logger, produce: false })))
  try {
    return await fn(a, b)
  } finally {
    await a.close()
    await b.close()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
}

describe('margin chain determinism', () => {
  it('keeps positions zero-sum after every block and replays to the same state roots', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(trade, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 5 }), async (blocks) =>
        withNodes(async (a, b) => {
          const driver = new Driver(a)
          for (const who of TRADERS) {
            for (const venue of [DEV_OPTIONS_VENUE, DEV_PERP_VENUE]) {
              await driver.send(
                who,
                '0x0000000000000000000000000000000000000a00',
                encodeFunctionData({ abi: MARGIN_ABI, functionName: 'setOperator', args: [venue, true] }),
              )
            }
          }
          await a.produceBlock()
          let quotes = { [DEV_OPTIONS_VENUE]: 0n, [DEV_PERP_VENUE]: 0n } as Record<Hex, bigint>
          let traded = 0
          for (const trades of blocks) {
            // Quotes in one block, fills in the next: within a block the pool orders senders by
            // fee and address, so a fill could otherwise run before its quote.
            const fills: [number, Hex, Hex][] = []
            for (const t of trades) {
              const venue = t.perp ? DEV_PERP_VENUE : DEV_OPTIONS_VENUE
              const size = (BigInt(t.size) * W) / 10n
              await driver.send(
                t.maker,
                venue,
                encodeFunctionData({ abi: venueAbi, functionName: 'quote', args: [t.instrument, size, BigInt(t.price) * W, t.makerSells] }),
              )
              quotes = { ...quotes, [venue]: quotes[venue] + 1n }
              fills.push([t.taker, venue, encodeFunctionData({ abi: venueAbi, functionName: 'fill', args: [quotes[venue], size] })])
            }
            await a.produceBlock()
            for (const [who, venue, data] of fills) await driver.send(who, venue, data)
            const block = (await a.produceBlock())!
            const receipts = await a.getBlockReceipts(block.header.number)
            traded += receipts.filter(
              (r) => r.status === 1 && r.logs.some((l) => l.address === '0x0000000000000000000000000000000000000a00'),
            ).length
            for (const [id, sum] of await openInterest(a)) expect(sum, `instrument ${id}`).toBe(0n)
          }
          // Some fills go through (others may be refused by the margin rule; both are fine).
          expect(traded).toBeGreaterThan(0)
          for (let n = 1n; n <= a.headNumber(); n++) await b.importBlock((await a.getBlockByNumber(n))!)
          const [ha, hb] = [(await a.getBlockByNumber(a.headNumber()))!, (await b.getBlockByNumber(b.headNumber()))!]
          expect(b.headNumber()).toBe(a.headNumber())
          expect(Buffer.from(hb.header.stateRoot).toString('hex')).toBe(Buffer.from(ha.header.stateRoot).toString('hex'))
          expect(Buffer.from(hb.hash()).toString('hex')).toBe(Buffer.from(ha.hash()).toString('hex'))
        }),
      ),
      { numRuns: 3 },
    )
  }, 240_000)

  it('refuses a block that does not reproduce', async () => {
    await withNodes(async (a, b) => {
      const driver = new Driver(a)
      await driver.send(
        3,
        '0x0000000000000000000000000000000000000a00',
        encodeFunctionData({ abi: MARGIN_ABI, functionName: 'transfer', args: [DEV_ACCOUNTS[4][0], 1, 5n * W] }),
      )
      const block = (await a.produceBlock())!
      // The same block with a forged state root must not be taken, and b stays at genesis.
      const { createBlock } = await import('@ethereumjs/block')
      const forged = createBlock(
        { header: { ...block.header.toJSON(), stateRoot: new Uint8Array(32).fill(1) }, transactions: block.transactions },
        { common: block.common },
      )
      await expect(b.importBlock(forged)).rejects.toThrow(/state root/)
      expect(b.headNumber()).toBe(0n)
      await b.importBlock(block)
      expect(b.headNumber()).toBe(1n)
    })
  }, 60_000)

  it('replays a block that liquidated, and refuses it without its liquidation', async () => {
    await withNodes(async (a, b) => {
      const driver = new Driver(a)
      const now = Number((await a.getBlockByNumber(0n))!.header.timestamp)
      // The ETH 3000 call of the dev genesis's second expiry (90 days after genesis), in its own market.
      const market = (await a.getGovernedConfig(0n)).market
      const callId = 11
      const CALL = market.instruments.find((i) => i.id === callId)!.name
      expect(CALL).toBe(devOptionName(now, 'ETH', 2, 3000, 'C'))
      // Sized as test/liquidation.e2e.test.ts: USDC 3% above IM for 10 short calls at the mark.
      const bare = simulateMargin(market, devRiskParams, now, { positions: [{ instrument: CALL, size: '-10' }] })
      const unit = simulateMargin(market, devRiskParams, now, { positions: [{ instrument: CALL, size: '1' }] })
      const markWad = (numberToWad(Number(unit.equity)) / (W / 100n)) * (W / 100n)
      const k = 1.3 * 0.02
      const usdc = (1.03 * (Number(bare.initialMargin) + (k * 10 * Number(markWad)) / 1e18)) / (1 - 1.03 * k)
      const shorty = privateKeyToAccount('0x3333333333333333333333333333333333333333333333333333333333333333')
      await driver.send(
        3,
        MARGIN_ADDRESS,
        encodeFunctionData({ abi: MARGIN_ABI, functionName: 'transfer', args: [shorty.address, 1, numberToWad(Math.ceil(usdc))] }),
      )
      await driver.sendValue(3, shorty.address, W)
      await driver.send(
        4,
        MARGIN_ADDRESS,
        encodeFunctionData({ abi: MARGIN_ABI, functionName: 'setOperator', args: [DEV_OPTIONS_VENUE, true] }),
      )
      await driver.send(
        4,
        DEV_OPTIONS_VENUE,
        encodeFunctionData({ abi: venueAbi, functionName: 'quote', args: [callId, 10n * W, markWad, false] }),
      )
      await a.produceBlock()
      await driver.sendAs(
        shorty,
        0,
        MARGIN_ADDRESS,
        encodeFunctionData({ abi: MARGIN_ABI, functionName: 'setOperator', args: [DEV_OPTIONS_VENUE, true] }),
      )
      await driver.sendAs(shorty, 1, DEV_OPTIONS_VENUE, encodeFunctionData({ abi: venueAbi, functionName: 'fill', args: [1n, 10n * W] }))
      const opened = (await a.produceBlock())!
      expect((await a.getBlockReceipts(opened.header.number)).every((r) => r.status === 1)).toBe(true)
      // The feeder pushes ETH up 25%, signed at a later second than the genesis prices.
      await new Promise((r) => setTimeout(r, 1_100))
      const update = { underlyingIds: [1], prices: [3750n * W], vols: [(6n * W) / 10n], timestamp: BigInt(Math.floor(Date.now() / 1000)) }
      const sig = await privateKeyToAccount(DEV_ACCOUNTS[9][1]).signMessage({ message: { raw: priceUpdateHash(31338n, update) } })
      await driver.send(
        3,
        ORACLE_ADDRESS,
        encodeFunctionData({
          abi: oracleAbi,
          functionName: 'submitPrices',
          args: [update.underlyingIds, update.prices, update.vols, update.timestamp, [sig]],
        }),
      )
      // In the same block, after the push (lower tip), the account tries to move collateral out
      // before the end-of-block liquidation: the margin rule refuses it.
      const dodge = await driver.sendAs(
        shorty,
        2,
        MARGIN_ADDRESS,
        encodeFunctionData({ abi: MARGIN_ABI, functionName: 'transfer', args: [DEV_ACCOUNTS[5][0], 1, 100n * W] }),
        0n,
      )
      const block = (await a.produceBlock())!
      const dodged = (await a.getReceipt(dodge))!
      expect(dodged.blockNumber).toBe(block.header.number)
      expect(dodged.status).toBe(0)
      const last = block.transactions[block.transactions.length - 1]
      expect(isSystemTx(last)).toBe(true)
      const receipts = await a.getBlockReceipts(block.header.number)
      expect(receipts[receipts.length - 1].logs.length).toBeGreaterThan(0)

      for (let n = 1n; n < block.header.number; n++) await b.importBlock((await a.getBlockByNumber(n))!)
      // Without its liquidation the block is not the block the importer computes.
      const stripped = new Block(block.header, block.transactions.slice(0, -1), [], block.withdrawals, { common: block.common })
      await expect(b.importBlock(stripped)).rejects.toThrow(BlockImportError)
      await b.importBlock(decodeBlock(block.serialize(), block.common))
      expect(Buffer.from((await b.getBlockByNumber(block.header.number))!.hash()).toString('hex')).toBe(
        Buffer.from(block.hash()).toString('hex'),
      )
      expect(await b.getBlockReceipts(block.header.number)).toEqual(receipts)
    })
  }, 60_000)
})
