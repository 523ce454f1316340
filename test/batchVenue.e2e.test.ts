/**
 * Batched settlement end to end with viem (issue 17, SPEC 4 `IMarginBatch`): the dev genesis's
 * batch venue settles an off-chain matcher's fills through `Margin.settleTrades` — a batch that
 * succeeds (fills in order, one margin check per account, cheaper per fill than single fills)
 * and one that fails whole on one under-margined account, named in the reason.
 */
import { decodeEventLog, type Hex, parseEther, parseUnits } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { exampleArtifacts } from '../genesis/contracts/exampleContracts.ts'
import { DEV_BATCH_VENUE, DEV_PERP_VENUE } from '../genesis/dev.ts'
import { MARGIN_ADDRESS } from '../state/system/addresses.ts'
import { devAccounts, publicHttp, walletHttp } from './support/clients.ts'
import { devOptionName, genesisTimeOf } from './support/devNames.ts'
import { type NodeInstance, startNode } from './support/node.ts'
import { rpcResult } from './support/rpc.ts'

const W = 10n ** 18n
const batchAbi = exampleArtifacts().BatchVenue.abi
const perpAbi = exampleArtifacts().PerpVenue.abi
const matcher = devAccounts[0]
const [a, b, c, d] = [devAccounts[3], devAccounts[4], devAccounts[5], devAccounts[6]]
const poor = privateKeyToAccount(generatePrivateKey())

interface Trade {
  buyer: Hex
  seller: Hex
  instrumentId: number
  size: bigint
  price: bigint
}

let node: NodeInstance
const rpc = <T>(method: string, params: unknown[] = []) => rpcResult<T>(node.url, method, params)

async function send(account: Parameters<typeof walletHttp>[1], to: Hex, abi: unknown, functionName: string, args: unknown[]) {
  const hash = await walletHttp(node.url, account).writeContract({
    address: to,
    abi: abi as never,
    functionName: functionName as never,
    args: args as never,
    gas: 20_000_000n,
    chain: undefined,
  })
  return publicHttp(node.url).waitForTransactionReceipt({ hash, timeout: 30_000 })
}

/** The revert reason of `functionName` sent now by `account`, or 'no revert'. */
async function reason(account: Parameters<typeof walletHttp>[1], to: Hex, abi: unknown, functionName: string, args: unknown[]) {
  try {
    await publicHttp(node.url).simulateContract({
      account: account!,
      address: to,
      abi: abi as never,
      functionName: functionName as never,
      args: args as never,
      gas: 20_000_000n,
    })
  } catch (err) {
    return String((err as Error).message)
  }
  return 'no revert'
}

async function instrumentId(name: string): Promise<number> {
  const markets = await rpc<{ instruments: { id: number; name: string }[] }>('margin_getMarkets')
  const found = markets.instruments.find((i) => i.name === name)
  if (!found) throw new Error(`no instrument ${name}`)
  return found.id
}

async function positionOf(account: Hex, instrument: number): Promise<bigint> {
  const [size] = (await publicHttp(node.url).readContract({
    address: MARGIN_ADDRESS,
    abi: MARGIN_ABI,
    functionName: 'positionOf',
    args: [account, instrument],
  })) as readonly [bigint, bigint]
  return size
}

describe('BatchVenue: Margin.settleTrades through viem (feeder running)', () => {
  let perp: number
  let call: number
  let ethPrice: bigint

  beforeAll(async () => {
    node = await startNode({ args: ['--feeder-interval', '1000'], startTimeoutMs: 90_000 })
    perp = await instrumentId('ETH-PERP')
    call = await instrumentId(devOptionName(await genesisTimeOf(node.url), 'ETH', 1, 3000, 'C'))
    const markets = await rpc<{ underlyings: { symbol: string; price: string }[] }>('margin_getMarkets')
    ethPrice = (parseUnits(markets.underlyings.find((u) => u.symbol === 'ETH')!.price, 18) / W) * W
    // A poor account: gas money and 100 USDC of collateral, nothing else.
    const client = publicHttp(node.url)
    await client.waitForTransactionReceipt({
      hash: await walletHttp(node.url, devAccounts[7]).sendTransaction({ to: poor.address, value: parseEther('1'), chain: undefined }),
    })
    expect((await send(devAccounts[7], MARGIN_ADDRESS, MARGIN_ABI, 'transfer', [poor.address, 1, 100n * W])).status).toBe('success')
    for (const who of [a, b, c, d, poor]) {
      expect((await send(who, MARGIN_ADDRESS, MARGIN_ABI, 'setOperator', [DEV_BATCH_VENUE, true])).status).toBe('success')
    }
  }, 180_000)
  afterAll(() => node?.dispose())

  it('settles a batch in order, one margin check per account, cheaper per fill than single fills', async () => {
    const trades: Trade[] = [
      { buyer: a.address, seller: b.address, instrumentId: perp, size: 2n * W, price: ethPrice },
      { buyer: c.address, seller: a.address, instrumentId: perp, size: W / 2n, price: ethPrice },
      { buyer: d.address, seller: c.address, instrumentId: call, size: 3n * W, price: 150n * W },
      { buyer: b.address, seller: d.address, instrumentId: perp, size: W, price: ethPrice },
      // a buys back from b what it sold: positions add up in order, not per fill.
      { buyer: b.address, seller: a.address, instrumentId: perp, size: W / 4n, price: ethPrice },
    ]
    const receipt = await send(matcher, DEV_BATCH_VENUE, batchAbi, 'settle', [trades])
    expect(receipt.status).toBe('success')
    const events = receipt.logs
      .filter((l) => l.address.toLowerCase() === MARGIN_ADDRESS)
      .map((l) => decodeEventLog({ abi: MARGIN_ABI, data: l.data, topics: l.topics }))
      .filter((e) => e.eventName === 'Trade')
    expect(events.map((e) => (e.args as { buyer: Hex }).buyer.toLowerCase())).toEqual(trades.map((t) => t.buyer.toLowerCase()))
    for (const e of events) expect((e.args as { protocol: Hex }).protocol.toLowerCase()).toBe(DEV_BATCH_VENUE)
    expect(await positionOf(a.address, perp)).toBe(2n * W - W / 2n - W / 4n)
    expect(await positionOf(b.address, perp)).toBe(-2n * W + W + W / 4n)
    expect(await positionOf(c.address, perp)).toBe(W / 2n)
    expect(await positionOf(d.address, perp)).toBe(-W)
    expect(await positionOf(d.address, call)).toBe(3n * W)
    expect(await positionOf(c.address, call)).toBe(-3n * W)

    // The same kind of fill, alone, through the perp venue: a quote, then a fill.
    for (const who of [a, b]) await send(who, MARGIN_ADDRESS, MARGIN_ABI, 'setOperator', [DEV_PERP_VENUE, true])
    expect((await send(a, DEV_PERP_VENUE, perpAbi, 'quote', [perp, W, ethPrice, true])).status).toBe('success')
    const id = (await publicHttp(node.url).readContract({ address: DEV_PERP_VENUE, abi: perpAbi, functionName: 'quoteCount' })) as bigint
    const single = await send(b, DEV_PERP_VENUE, perpAbi, 'fill', [id, W])
    expect(single.status).toBe('success')
    // Warm fills of the same pair, batched: the batch pays its margin checks once.
    const again: Trade[] = Array.from({ length: 10 }, (_, k) => ({
      buyer: k % 2 ? a.address : b.address,
      seller: k % 2 ? b.address : a.address,
      instrumentId: perp,
      size: W / 10n,
      price: ethPrice,
    }))
    const batch = await send(matcher, DEV_BATCH_VENUE, batchAbi, 'settle', [again])
    expect(batch.status).toBe('success')
    expect(batch.gasUsed / BigInt(again.length)).toBeLessThan(single.gasUsed / 2n)
  })

  it('reverts the whole batch on one under-margined account, naming it', async () => {
    const before = await Promise.all([a, b].map((x) => positionOf(x.address, perp)))
    const trades: Trade[] = [
      { buyer: a.address, seller: b.address, instrumentId: perp, size: W, price: ethPrice },
      // 100 USDC cannot carry a short of 20 ETH.
      { buyer: c.address, seller: poor.address, instrumentId: perp, size: 20n * W, price: ethPrice },
    ]
    const why = await reason(matcher, DEV_BATCH_VENUE, batchAbi, 'settle', [trades])
    expect(why).toContain(`insufficient margin: ${poor.address.toLowerCase()}`)
    const receipt = await send(matcher, DEV_BATCH_VENUE, batchAbi, 'settle', [trades])
    expect(receipt.status).toBe('reverted')
    expect(await Promise.all([a, b].map((x) => positionOf(x.address, perp)))).toEqual(before)
    expect(await positionOf(poor.address, perp)).toBe(0n)
    // Alone and small, the poor account's fill stands: the batch failed on its margin only.
    const small: Trade[] = [{ buyer: c.address, seller: poor.address, instrumentId: perp, size: W / 100n, price: ethPrice }]
    expect((await send(matcher, DEV_BATCH_VENUE, batchAbi, 'settle', [small])).status).toBe('success')
    expect(await positionOf(poor.address, perp)).toBe(-W / 100n)
  })

  it('refuses batches from anyone but the matcher, and fills of accounts that did not consent', async () => {
    const trade: Trade = { buyer: a.address, seller: b.address, instrumentId: perp, size: W, price: ethPrice }
    expect(await reason(a, DEV_BATCH_VENUE, batchAbi, 'settle', [[trade]])).toContain('not matcher')
    const stranger = devAccounts[8].address
    expect(await reason(matcher, DEV_BATCH_VENUE, batchAbi, 'settle', [[{ ...trade, seller: stranger }]])).toContain('not operator')
    expect(await reason(matcher, DEV_BATCH_VENUE, batchAbi, 'settle', [[]])).toContain('no trades')
    // Called directly, the precompile refuses an account that is no registered protocol.
    expect(await reason(a, MARGIN_ADDRESS, MARGIN_ABI, 'settleTrades', [[trade]])).toContain('unregistered protocol')
  })
})
