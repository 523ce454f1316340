/**
 * The Oracle end to end with viem against the real node (`unimargin start` as a child process):
 * the dev feeder moves prices over a few seconds, `--no-feeder` keeps them still, and a wallet
 * submits feeder-signed prices through an ordinary transaction; a non-feeder's are refused.
 */
import { type Hex, parseAbi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { priceUpdateHash } from '../execution/oracle/priceUpdateHash.ts'
import { ORACLE_ADDRESS } from '../state/system/addresses.ts'
import { devAccounts, publicHttp, walletHttp } from './support/clients.ts'
import { type NodeInstance, startNode } from './support/node.ts'

const abi = parseAbi([
  'function submitPrices(uint32[] underlyingIds, uint256[] prices, uint256[] vols, uint64 timestamp, bytes[] signatures)',
  'function priceOf(uint32 underlyingId) view returns (uint256 price, uint256 vol, uint64 timestamp)',
  'event PriceUpdated(uint32 indexed underlyingId, uint256 price, uint256 vol, uint64 timestamp)',
])
const WAD = 10n ** 18n
/** The dev genesis time (the datadir's birth): the genesis prices' timestamp. */
const genesisTime = async (url: string) => (await publicHttp(url).getBlock({ blockNumber: 0n })).timestamp
const feederAccount = devAccounts[9]

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('dev price feeder (npm start)', () => {
  let node: NodeInstance

  beforeAll(async () => {
    node = await startNode({ args: ['--feeder-interval', '400'] })
  })
  afterAll(() => node?.dispose())

  it('moves prices over a few seconds, from the feeder account, with PriceUpdated events', async () => {
    const client = publicHttp(node.url)
    const read = (id: number) => client.readContract({ address: ORACLE_ADDRESS, abi, functionName: 'priceOf', args: [id] })
    const seen: (readonly [bigint, bigint, bigint])[] = []
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      const q = await read(1)
      if (seen.length === 0 || q[2] !== seen[seen.length - 1][2]) seen.push(q)
      if (seen.length >= 4) break
      await sleep(300)
    }
    expect(seen.length).toBeGreaterThanOrEqual(4)
    const prices = new Set(seen.map((q) => q[0]))
    expect(prices.size).toBeGreaterThanOrEqual(3)
    for (let i = 1; i < seen.length; i++) expect(seen[i][2]).toBeGreaterThan(seen[i - 1][2])
    const head = await client.getBlock()
    expect(seen[seen.length - 1][2]).toBeGreaterThan(await genesisTime(node.url))
    expect(seen[seen.length - 1][2]).toBeLessThanOrEqual(head.timestamp)
    const btc = await read(2)
    expect(btc[0]).not.toBe(60_000n * WAD)
    expect(btc[0]).toBeGreaterThan(30_000n * WAD)
    expect(btc[0]).toBeLessThan(120_000n * WAD)
    expect(await client.getTransactionCount({ address: feederAccount.address })).toBeGreaterThanOrEqual(3)
    const logs = await client.getContractEvents({
      address: ORACLE_ADDRESS,
      abi,
      eventName: 'PriceUpdated',
      fromBlock: 0n,
      args: { underlyingId: 1 },
    })
    expect(logs.length).toBeGreaterThanOrEqual(3)
    const tx = await client.getTransaction({ hash: logs[0].transactionHash! })
    expect(tx.from.toLowerCase()).toBe(feederAccount.address.toLowerCase())
    expect(tx.to?.toLowerCase()).toBe(ORACLE_ADDRESS)
  })
})

describe('--no-feeder', () => {
  let node: NodeInstance

  beforeAll(async () => {
    node = await startNode({ args: ['--no-feeder'] })
  })
  afterAll(() => node?.dispose())

  it('keeps the genesis prices still', async () => {
    const client = publicHttp(node.url)
    await sleep(3_000)
    for (const [id, price, vol] of [
      [1, 3000n * WAD, (6n * WAD) / 10n],
      [2, 60_000n * WAD, (5n * WAD) / 10n],
    ] as const) {
      expect(await client.readContract({ address: ORACLE_ADDRESS, abi, functionName: 'priceOf', args: [id] })).toEqual([
        price,
        vol,
        await genesisTime(node.url),
      ])
    }
    expect(await client.getTransactionCount({ address: feederAccount.address })).toBe(0)
  })

  it('accepts feeder-signed prices sent by any wallet, and refuses a non-feeder signature', async () => {
    const client = publicHttp(node.url)
    const wallet = walletHttp(node.url, devAccounts[3])
    const timestamp = (await client.getBlock()).timestamp
    const update = { underlyingIds: [1, 2], prices: [3210n * WAD, 61_234n * WAD], vols: [(7n * WAD) / 10n, (4n * WAD) / 10n], timestamp }
    const args = (sigs: Hex[]) => [update.underlyingIds, update.prices, update.vols, update.timestamp, sigs] as const
    const hash = priceUpdateHash(31338n, update)

    const strangerSig = await devAccounts[4].signMessage({ message: { raw: hash } })
    await expect(
      client.simulateContract({
        account: devAccounts[3],
        address: ORACLE_ADDRESS,
        abi,
        functionName: 'submitPrices',
        args: args([strangerSig]),
      }),
    ).rejects.toThrow(/not a feeder/)

    const sig = await feederAccount.signMessage({ message: { raw: hash } })
    const txHash = await wallet.writeContract({ address: ORACLE_ADDRESS, abi, functionName: 'submitPrices', args: args([sig]) })
    const receipt = await client.waitForTransactionReceipt({ hash: txHash })
    expect(receipt.status).toBe('success')
    expect(receipt.logs).toHaveLength(2)
    expect(await client.readContract({ address: ORACLE_ADDRESS, abi, functionName: 'priceOf', args: [2] })).toEqual([
      61_234n * WAD,
      (4n * WAD) / 10n,
      timestamp,
    ])

    // the same update again: its timestamp is no longer newer than the last
    await expect(
      client.simulateContract({ account: devAccounts[3], address: ORACLE_ADDRESS, abi, functionName: 'submitPrices', args: args([sig]) }),
    ).rejects.toThrow(/stale timestamp/)
  })
})
