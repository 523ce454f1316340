/**
 * Issue 14, "Nothing a user sends can hurt the chain", for governance and the oracle, with viem
 * against the real node (`unimargin start` as a child process, no price feeder): a correlation
 * matrix that is not positive definite and a `__proto__` patch are refused at `propose` with
 * their reasons; a feeder-signed price of 2^255 − 1 and a ±60 % move are refused by the Oracle
 * while ±40 % passes; and afterwards the chain still makes blocks, margins a transfer and shows a
 * dev account's 1,000,000 USDC.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Account, BaseError, ContractFunctionRevertedError, type Hex, parseAbi, type TransactionReceipt } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PriceUpdate, priceUpdateHash } from '../execution/oracle/priceUpdateHash.ts'
import { governanceAbi } from '../execution/precompiles/governance.ts'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { devGenesisDocument } from '../genesis/dev.ts'
import { GOVERNANCE_ADDRESS, MARGIN_ADDRESS, ORACLE_ADDRESS, RISK_KERNEL_ADDRESS } from '../state/system/addresses.ts'
import { devAccounts, publicHttp, walletHttp } from './support/clients.ts'
import { type NodeInstance, startNode } from './support/node.ts'

const oracleAbi = parseAbi([
  'function submitPrices(uint32[] underlyingIds, uint256[] prices, uint256[] vols, uint64 timestamp, bytes[] signatures)',
  'function priceOf(uint32 underlyingId) view returns (uint256 price, uint256 vol, uint64 timestamp)',
])
const kernelAbi = parseAbi([
  'function marginOf(address account) view returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin)',
])
const WAD = 10n ** 18n
const [m0] = devAccounts
const feeder = devAccounts[9]
const trader = devAccounts[3]

let node: NodeInstance
let client: ReturnType<typeof publicHttp>

/** The revert reason of an eth_call (viem's simulateContract), or undefined if it succeeds. */
async function reasonOf(
  account: Account,
  address: Hex,
  abi: typeof governanceAbi | typeof oracleAbi,
  functionName: string,
  args: readonly unknown[],
) {
  try {
    await client.simulateContract({ address, abi, functionName, args, account } as never)
    return undefined
  } catch (err) {
    const reverted = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : undefined
    if (reverted instanceof ContractFunctionRevertedError) return reverted.reason
    throw err
  }
}

/** Sends a transaction with a fixed gas limit, so a reverting one is mined too. */
async function send(
  account: Account,
  address: Hex,
  abi: unknown,
  functionName: string,
  args: readonly unknown[],
): Promise<TransactionReceipt> {
  const hash = await walletHttp(node.url, account).writeContract({ address, abi, functionName, args, gas: 2_000_000n } as never)
  return client.waitForTransactionReceipt({ hash })
}

const rpc = <T>(method: string, params: unknown[] = []) =>
  client.request({ method: method as never, params: params as never }) as Promise<T>

/** Signed timestamps: seconds before the head (never "future"), increasing per update. */
let clock = 0n
async function signed(ids: number[], prices: bigint[], vols: bigint[]) {
  const u: PriceUpdate = { underlyingIds: ids, prices, vols, timestamp: ++clock }
  const sig = await feeder.signMessage({ message: { raw: priceUpdateHash(31338n, u) } })
  return [u.underlyingIds, u.prices, u.vols, u.timestamp, [sig]] as const
}
const priceOf = (id: number) => client.readContract({ address: ORACLE_ADDRESS, abi: oracleAbi, functionName: 'priceOf', args: [id] })

let genesisDir: string

beforeAll(async () => {
  // The dev genesis dated a minute back, so updates signed 20 s before now are newer than its prices.
  const now = Math.floor(Date.now() / 1000)
  genesisDir = mkdtempSync(join(tmpdir(), 'um-attacks-gov-'))
  const file = join(genesisDir, 'genesis.json')
  writeFileSync(file, JSON.stringify(devGenesisDocument(now - 60)))
  node = await startNode({ blockTimeMs: 100, args: ['--heartbeat', '500', '--no-feeder', '--genesis', file] })
  client = publicHttp(node.url)
  // Block times are wall-clock seconds (the head may still be the genesis block).
  clock = BigInt(now) - 20n
})

afterAll(async () => {
  await node?.dispose()
  rmSync(genesisDir, { recursive: true, force: true })
})

describe('governance attacks are refused at propose', () => {
  it('refuses ETH-BTC correlation 1 (not positive definite) with the reason, on chain too', async () => {
    const change = '{"es":{"correlation":{"ETH-BTC":1}}}'
    expect(await reasonOf(m0, GOVERNANCE_ADDRESS, governanceAbi, 'propose', [change])).toBe(
      'es.correlation: must be positive definite over ETH, BTC, ETHUSDC-LP (Cholesky pivot ≤ 1e-9 at BTC)',
    )
    const r = await send(m0, GOVERNANCE_ADDRESS, governanceAbi, 'propose', [change])
    expect(r.status).toBe('reverted')
    // a 3×3 whose every pair is in [-1, 1] but that is not positive definite
    const three = '{"es":{"correlation":{"ETH-BTC":0.9,"ETH-ETHUSDC-LP":0.9,"BTC-ETHUSDC-LP":-0.9}}}'
    expect(await reasonOf(m0, GOVERNANCE_ADDRESS, governanceAbi, 'propose', [three])).toMatch(/^es\.correlation: must be positive definite/)
    expect(await rpc<unknown[]>('gov_listProposals')).toEqual([])
  })

  it('refuses __proto__ keys at any depth, naming the key path', async () => {
    expect(await reasonOf(m0, GOVERNANCE_ADDRESS, governanceAbi, 'propose', ['{"__proto__":{"imMultiplier":1}}'])).toBe(
      '__proto__: forbidden key',
    )
    expect(await reasonOf(m0, GOVERNANCE_ADDRESS, governanceAbi, 'propose', ['{"es":{"correlation":{"constructor":0.5}}}'])).toBe(
      'es.correlation.constructor: forbidden key',
    )
    expect(await reasonOf(m0, GOVERNANCE_ADDRESS, governanceAbi, 'propose', ['{"maxOracleAge":86400}'])).toBe(
      'maxOracleAge: must be an integer in [1, 3600]',
    )
    expect((await rpc<{ imMultiplier: number }>('margin_getRiskParams')).imMultiplier).toBe(1.3)
  })
})

describe('oracle attacks are refused by the Oracle precompile', () => {
  it('refuses a feeder-signed price of 2^255 − 1, on chain too, leaving the price as it was', async () => {
    const args = await signed([1], [2n ** 255n - 1n], [(6n * WAD) / 10n])
    expect(await reasonOf(trader, ORACLE_ADDRESS, oracleAbi, 'submitPrices', args)).toBe('price out of bounds: ETH')
    expect((await send(trader, ORACLE_ADDRESS, oracleAbi, 'submitPrices', args)).status).toBe('reverted')
    expect((await priceOf(1))[0]).toBe(3000n * WAD)
  })

  it('refuses a ±60 % move and accepts ±40 %', async () => {
    for (const price of [4800n * WAD, 1200n * WAD]) {
      expect(await reasonOf(trader, ORACLE_ADDRESS, oracleAbi, 'submitPrices', await signed([1], [price], [(6n * WAD) / 10n]))).toBe(
        'price move too large: ETH',
      )
    }
    // +40 % on ETH, with BTC and the LP feed refreshed unchanged (so no price is stale below)
    const up = await signed([1, 2, 3], [4200n * WAD, 60_000n * WAD, 100n * WAD], [(6n * WAD) / 10n, (5n * WAD) / 10n, (3n * WAD) / 10n])
    expect((await send(trader, ORACLE_ADDRESS, oracleAbi, 'submitPrices', up)).status).toBe('success')
    expect((await priceOf(1))[0]).toBe(4200n * WAD)
    const down = await signed([1], [2520n * WAD], [(6n * WAD) / 10n])
    expect((await send(trader, ORACLE_ADDRESS, oracleAbi, 'submitPrices', down)).status).toBe('success')
    expect((await priceOf(1))[0]).toBe(2520n * WAD)
  })
})

describe('afterwards', () => {
  it('the node keeps producing blocks, margins a transfer, and a dev account reads its 1,000,000 USDC', async () => {
    const before = await client.getBlockNumber()
    await new Promise((r) => setTimeout(r, 1_500))
    expect(await client.getBlockNumber()).toBeGreaterThan(before)

    const [equity, im, mm] = await client.readContract({
      address: RISK_KERNEL_ADDRESS,
      abi: kernelAbi,
      functionName: 'marginOf',
      args: [trader.address],
    })
    expect(equity).toBeGreaterThan(1_000_000n * WAD)
    expect(im).toBeGreaterThanOrEqual(mm)

    const t = await send(devAccounts[4], MARGIN_ADDRESS, MARGIN_ABI, 'transfer', [devAccounts[5].address, 1, 1n * WAD])
    expect(t.status).toBe('success')

    const account = await rpc<{ balances: { symbol: string; amount: string }[] }>('margin_getAccount', [trader.address])
    expect(account.balances.find((b) => b.symbol === 'USDC')?.amount).toBe('1000000')
    expect(account.balances.find((b) => b.symbol === 'WETH')?.amount).toBe('100')
  })
})
