/**
 * The Oracle precompile in a real node: prices signed by the feeder set, submitted by EOAs and
 * contracts, read with `priceOf` from an EOA and from a contract; every refusal of SPEC section 4.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { decodeEventLog, decodeFunctionResult, encodeDeployData, encodeFunctionData, type Hex, hexToBytes, parseGwei, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNode, type Node } from '../../chain/node.ts'
import { type PriceUpdate, priceUpdateHash } from '../../execution/oracle/priceUpdateHash.ts'
import { createOracleSpec } from '../../execution/precompiles/oracle.ts'
import { oracleAbi } from '../../execution/precompiles/oracleAbi.ts'
import { DEV_ACCOUNTS, devGenesis } from '../../genesis/dev.ts'
import type { Genesis } from '../../genesis/types.ts'
import { WAD } from '../../lib/fixed.ts'
import { compileSolidity } from '../../lib/solc.ts'
import { ORACLE_ADDRESS } from '../../state/system/addresses.ts'
import { feedSlot } from '../../state/system/oracleStore.ts'

const CHAIN_ID = 31338n
const feeder = privateKeyToAccount(DEV_ACCOUNTS[9][1])
const feeder2 = privateKeyToAccount(DEV_ACCOUNTS[8][1])
const stranger = privateKeyToAccount(DEV_ACCOUNTS[5][1])
const sender = privateKeyToAccount(DEV_ACCOUNTS[0][1])

const SOURCE = `
pragma solidity ^0.8.20;
interface IOracle {
  function submitPrices(uint32[] calldata underlyingIds, uint256[] calldata prices, uint256[] calldata vols, uint64 timestamp, bytes[] calldata signatures) external;
  function priceOf(uint32 underlyingId) external view returns (uint256 price, uint256 vol, uint64 timestamp);
}
contract OracleUser {
  IOracle constant oracle = IOracle(0x0000000000000000000000000000000000000a02);
  function read(uint32 id) external view returns (uint256 price, uint256 vol, uint64 timestamp) {
    return oracle.priceOf(id);
  }
  function notional(uint32 id, uint256 size) external view returns (uint256) {
    (uint256 price, , ) = oracle.priceOf(id);
    return size * price / 1e18;
  }
  function digest(uint32[] calldata ids, uint256[] calldata prices, uint256[] calldata vols, uint64 ts) external view returns (bytes32) {
    return keccak256(abi.encode(block.chainid, ids, prices, vols, ts));
  }
  // A low-level call: the precompile account holds no code, and Solidity's high-level call to a
  // function without return values first checks extcodesize (and reverts with no data).
  function forwardHighLevel(uint32[] calldata ids, uint256[] calldata prices, uint256[] calldata vols, uint64 ts, bytes[] calldata sigs) external {
    oracle.submitPrices(ids, prices, vols, ts, sigs);
  }
  function forward(uint32[] calldata ids, uint256[] calldata prices, uint256[] calldata vols, uint64 ts, bytes[] calldata sigs) external {
    (bool ok, bytes memory ret) = address(oracle).call(abi.encodeCall(IOracle.submitPrices, (ids, prices, vols, ts, sigs)));
    if (!ok) assembly { revert(add(ret, 32), mload(ret)) }
  }
}`
const { OracleUser } = compileSolidity({ 'OracleUser.sol': SOURCE })

type Signer = typeof feeder

async function sign(signers: Signer[], u: PriceUpdate, chainId = CHAIN_ID): Promise<Hex[]> {
  const hash = priceUpdateHash(chainId, u)
  return Promise.all(signers.map((s) => s.signMessage({ message: { raw: hash } })))
}

function submitData(u: PriceUpdate, signatures: Hex[]): Hex {
  return encodeFunctionData({
    abi: oracleAbi,
    functionName: 'submitPrices',
    args: [[...u.underlyingIds], [...u.prices], [...u.vols], u.timestamp, signatures],
  })
}

interface TestChain {
  node: Node
  dir: string
  nonce: number
}

async function openChain(genesis: Genesis): Promise<TestChain> {
  const dir = mkdtempSync(join(tmpdir(), 'um-oracle-'))
  const node = await createNode({
    datadir: dir,
    genesis,
    blockTimeMs: 50,
    logger: pino({ level: 'silent' }),
    produce: false,
    precompiles: [createOracleSpec({ chainId: genesis.chainId, getConfig: async () => genesis.margin!.config })],
  })
  return { node, dir, nonce: 0 }
}

async function closeChain(c: TestChain) {
  await c.node.close()
  rmSync(c.dir, { recursive: true, force: true })
}

async function send(c: TestChain, to: Hex | null, data: Hex) {
  const raw = await sender.signTransaction({
    chainId: 31338,
    type: 'eip1559',
    to: to ?? undefined,
    data,
    nonce: c.nonce++,
    gas: 3_000_000n,
    maxFeePerGas: parseGwei('10'),
    maxPriorityFeePerGas: 1n,
  })
  const hash = await c.node.sendRawTransaction(hexToBytes(raw))
  await c.node.produceBlock()
  return (await c.node.getReceipt(hash))!
}

async function priceOf(c: TestChain, id: number) {
  const r = await c.node.call(
    { to: ORACLE_ADDRESS, data: encodeFunctionData({ abi: oracleAbi, functionName: 'priceOf', args: [id] }) },
    'latest',
  )
  if (!r.ok) throw new Error(`priceOf failed: ${r.reverted ? r.reason : r.error}`)
  return decodeFunctionResult({ abi: oracleAbi, functionName: 'priceOf', data: r.returnData })
}

/** The revert reason of submitting `u` with `signatures` as an eth_call at the head. */
async function refusal(c: TestChain, u: PriceUpdate, signatures: Hex[]) {
  const r = await c.node.call({ to: ORACLE_ADDRESS, data: submitData(u, signatures), from: sender.address }, 'latest')
  return r.ok ? 'accepted' : r.reverted ? r.reason : `error: ${r.error}`
}

/** Timestamps safely in the past of every block to come, increasing per update. */
let clock = BigInt(Math.floor(Date.now() / 1000)) - 10_000n
const nextTs = () => ++clock
/** The chains' genesis time: before every update's timestamp (the dev genesis is otherwise dated now). */
const GENESIS_TIME = Number(clock) - 10_000

describe('Oracle precompile (dev genesis: feeder = dev account 9, threshold 1)', () => {
  const genesis = devGenesis(GENESIS_TIME)
  let c: TestChain
  let user: Hex

  beforeAll(async () => {
    c = await openChain(genesis)
    user = (await send(c, null, encodeDeployData({ abi: OracleUser.abi, bytecode: OracleUser.bytecode }))).contractAddress!
  })
  afterAll(() => closeChain(c))

  it('starts with the genesis prices, stamped with the genesis time', async () => {
    expect(await priceOf(c, 1)).toEqual([3000n * WAD, 6n * 10n ** 17n, genesis.timestamp])
    expect(await priceOf(c, 2)).toEqual([60_000n * WAD, 5n * 10n ** 17n, genesis.timestamp])
  })

  it('hashes exactly as Solidity abi.encode(block.chainid, ids, prices, vols, timestamp)', async () => {
    const u = { underlyingIds: [1, 2], prices: [3001n * WAD, 59_999n * WAD], vols: [WAD / 2n, WAD / 3n], timestamp: 1_800_000_000n }
    const r = await c.node.call(
      {
        to: user,
        data: encodeFunctionData({ abi: OracleUser.abi, functionName: 'digest', args: [u.underlyingIds, u.prices, u.vols, u.timestamp] }),
      },
      'latest',
    )
    expect(r.ok && r.returnData).toBe(priceUpdateHash(CHAIN_ID, u))
  })

  it('accepts an update signed by the feeder from any sender, emits PriceUpdated, charges gas', async () => {
    const u = {
      underlyingIds: [1, 2],
      prices: [3123n * WAD + 45n, 61_000n * WAD],
      vols: [65n * 10n ** 16n, 55n * 10n ** 16n],
      timestamp: nextTs(),
    }
    const r = await send(c, ORACLE_ADDRESS, submitData(u, await sign([feeder], u)))
    expect(r.status).toBe(1)
    expect(r.logs).toHaveLength(2)
    const ev = decodeEventLog({ abi: oracleAbi, data: r.logs[0].data, topics: r.logs[0].topics as [Hex, ...Hex[]] })
    expect(ev).toEqual({
      eventName: 'PriceUpdated',
      args: { underlyingId: 1, price: 3123n * WAD + 45n, vol: 65n * 10n ** 16n, timestamp: u.timestamp },
    })
    expect(r.logs[0].address).toBe(ORACLE_ADDRESS)
    // one ecrecover and six storage writes at the least, on top of the calldata's cost
    expect(r.gasUsed).toBeGreaterThan(21_000n + 3_000n + 6n * 5_000n)
    expect(await priceOf(c, 1)).toEqual([3123n * WAD + 45n, 65n * 10n ** 16n, u.timestamp])
    expect(await priceOf(c, 2)).toEqual([61_000n * WAD, 55n * 10n ** 16n, u.timestamp])
    expect(await priceOf(c, 3)).toEqual([100n * WAD, 3n * 10n ** 17n, genesis.timestamp])
    // the stored words are where oracleStore says (eth_getStorageAt)
    const slot = toHex(feedSlot(1), { size: 32 })
    expect(BigInt(await c.node.getStorageAt(ORACLE_ADDRESS, slot, 'latest'))).toBe(3123n * WAD + 45n)
  })

  it('is readable from a contract with priceOf', async () => {
    const r = await c.node.call({ to: user, data: encodeFunctionData({ abi: OracleUser.abi, functionName: 'read', args: [2] }) }, 'latest')
    expect(r.ok).toBe(true)
    expect(decodeFunctionResult({ abi: OracleUser.abi, functionName: 'read', data: r.ok ? r.returnData : '0x' })).toEqual(
      await priceOf(c, 2),
    )
    const n = await c.node.call(
      { to: user, data: encodeFunctionData({ abi: OracleUser.abi, functionName: 'notional', args: [2, 2n * WAD] }) },
      'latest',
    )
    expect(decodeFunctionResult({ abi: OracleUser.abi, functionName: 'notional', data: n.ok ? n.returnData : '0x' })).toBe(122_000n * WAD)
  })

  it('accepts an update forwarded by a contract (the signatures authorise, not the sender)', async () => {
    const u = { underlyingIds: [3], prices: [101n * WAD], vols: [WAD / 4n], timestamp: nextTs() }
    const sigs = await sign([feeder], u)
    const r = await send(
      c,
      user,
      encodeFunctionData({ abi: OracleUser.abi, functionName: 'forward', args: [u.underlyingIds, u.prices, u.vols, u.timestamp, sigs] }),
    )
    expect(r.status).toBe(1)
    expect(await priceOf(c, 3)).toEqual([101n * WAD, WAD / 4n, u.timestamp])
    // the precompile's revert reason reaches the contract's caller
    const bad = { ...u, timestamp: nextTs() }
    const data = encodeFunctionData({
      abi: OracleUser.abi,
      functionName: 'forward',
      args: [bad.underlyingIds, bad.prices, bad.vols, bad.timestamp, await sign([stranger], bad)],
    })
    const res = await c.node.call({ to: user, data, from: sender.address }, 'latest')
    expect(res.ok === false && res.reverted && res.reason).toBe('not a feeder')
  })

  it('refuses a price signed by a non-feeder, and leaves the price as it was', async () => {
    const before = await priceOf(c, 1)
    const u = { underlyingIds: [1], prices: [1n * WAD], vols: [WAD], timestamp: nextTs() }
    const sigs = await sign([stranger], u)
    expect(await refusal(c, u, sigs)).toBe('not a feeder')
    const r = await send(c, ORACLE_ADDRESS, submitData(u, sigs))
    expect(r.status).toBe(0)
    expect(r.logs).toHaveLength(0)
    expect(await priceOf(c, 1)).toEqual(before)
  })

  it('refuses a feeder signature over other figures, another chain id, or garbage', async () => {
    const u = { underlyingIds: [1], prices: [3200n * WAD], vols: [WAD / 2n], timestamp: nextTs() }
    const sigs = await sign([feeder], u)
    expect(await refusal(c, { ...u, prices: [3201n * WAD] }, sigs)).toBe('not a feeder')
    expect(await refusal(c, u, await sign([feeder], u, 1n))).toBe('not a feeder')
    expect(await refusal(c, u, ['0x1234'])).toBe('bad signature')
    expect(await refusal(c, u, [])).toBe('too few feeder signatures')
    expect(await refusal(c, u, sigs)).toBe('accepted')
  })

  it('refuses a timestamp not newer than the last, and one after the block time', async () => {
    const [, , last] = await priceOf(c, 1)
    const same = { underlyingIds: [2, 1], prices: [60_000n * WAD, 3000n * WAD], vols: [WAD / 2n, WAD / 2n], timestamp: last }
    expect(await refusal(c, same, await sign([feeder], same))).toBe('stale timestamp')
    const older = { ...same, timestamp: last - 1n }
    expect(await refusal(c, older, await sign([feeder], older))).toBe('stale timestamp')
    const head = (await c.node.getBlockByNumber(c.node.headNumber()))!.header.timestamp
    const future = { ...same, timestamp: head + 30n }
    expect(await refusal(c, future, await sign([feeder], future))).toBe('future timestamp')
    const now = { ...same, timestamp: head }
    expect(await refusal(c, now, await sign([feeder], now))).toBe('accepted')
  })

  it('refuses unknown ids, mismatched lengths, zero figures and duplicated ids', async () => {
    const ts = nextTs()
    const cases: [PriceUpdate, string][] = [
      [{ underlyingIds: [1, 99], prices: [WAD, WAD], vols: [WAD, WAD], timestamp: ts }, 'unknown underlying'],
      [{ underlyingIds: [1, 2], prices: [WAD], vols: [WAD, WAD], timestamp: ts }, 'length mismatch'],
      [{ underlyingIds: [1], prices: [WAD], vols: [WAD, WAD], timestamp: ts }, 'length mismatch'],
      [{ underlyingIds: [], prices: [], vols: [], timestamp: ts }, 'no prices'],
      [{ underlyingIds: [1], prices: [0n], vols: [WAD], timestamp: ts }, 'zero price'],
      [{ underlyingIds: [1], prices: [WAD], vols: [0n], timestamp: ts }, 'zero vol'],
      [{ underlyingIds: [1, 1], prices: [WAD, WAD], vols: [WAD, WAD], timestamp: ts }, 'duplicate underlying'],
    ]
    for (const [u, reason] of cases) expect(await refusal(c, u, await sign([feeder], u))).toBe(reason)
    const r = await c.node.call(
      { to: ORACLE_ADDRESS, data: encodeFunctionData({ abi: oracleAbi, functionName: 'priceOf', args: [99] }) },
      'latest',
    )
    expect(r.ok === false && r.reverted && r.reason).toBe('unknown underlying')
  })

  it('runs out of gas rather than recovering signatures for free', async () => {
    const u = { underlyingIds: [1], prices: [3300n * WAD], vols: [WAD / 2n], timestamp: nextTs() }
    const sigs = await sign([feeder], u)
    const r = await c.node.call({ to: ORACLE_ADDRESS, data: submitData(u, sigs), from: sender.address, gas: 30_000n }, 'latest')
    expect(r.ok).toBe(false)
    const est = await c.node.estimateGas({ to: ORACLE_ADDRESS, data: submitData(u, sigs), from: sender.address }, 'latest')
    expect(est).toBeGreaterThan(21_000n + 3_000n + 3n * 5_000n)
  })
})

describe('Oracle precompile with two feeders and threshold 2', () => {
  let c: TestChain

  beforeAll(async () => {
    const genesis = devGenesis(GENESIS_TIME)
    genesis.margin!.config.oracle = {
      feeders: [feeder.address.toLowerCase() as Hex, feeder2.address.toLowerCase() as Hex],
      threshold: 2,
      maxMove: 0.5,
    }
    c = await openChain(genesis)
    await c.node.produceBlock()
  })
  afterAll(() => closeChain(c))

  it('needs two distinct feeder signatures: one, or one twice, is too few', async () => {
    const u = { underlyingIds: [1], prices: [2900n * WAD], vols: [WAD / 2n], timestamp: nextTs() }
    const [s9, s8] = await sign([feeder, feeder2], u)
    expect(await refusal(c, u, [s9])).toBe('too few feeder signatures')
    expect(await refusal(c, u, [s9, s9])).toBe('too few feeder signatures')
    expect(await refusal(c, u, [s8, s8, s8])).toBe('too few feeder signatures')
    const r1 = await send(c, ORACLE_ADDRESS, submitData(u, [s9, s9]))
    expect(r1.status).toBe(0)
    expect(await refusal(c, u, [s9, (await sign([stranger], u))[0]])).toBe('not a feeder')
    const r2 = await send(c, ORACLE_ADDRESS, submitData(u, [s8, s9]))
    expect(r2.status).toBe(1)
    expect(r2.logs).toHaveLength(1)
    const r = await c.node.call(
      { to: ORACLE_ADDRESS, data: encodeFunctionData({ abi: oracleAbi, functionName: 'priceOf', args: [1] }) },
      'latest',
    )
    expect(decodeFunctionResult({ abi: oracleAbi, functionName: 'priceOf', data: r.ok ? r.returnData : '0x' })).toEqual([
      2900n * WAD,
      WAD / 2n,
      u.timestamp,
    ])
  })
})

describe('Oracle precompile bounds (issue 14): caps and oracle.maxMove', () => {
  // Fresh chain: ETH 3,000 vol 0.60, BTC 60,000 vol 0.50 at genesis; dev maxMove 0.5.
  let c: TestChain
  beforeAll(async () => {
    c = await openChain(devGenesis(GENESIS_TIME))
    await c.node.produceBlock()
  })
  afterAll(() => closeChain(c))
  const eth = (price: bigint, vol = 6n * 10n ** 17n): PriceUpdate => ({
    underlyingIds: [1],
    prices: [price],
    vols: [vol],
    timestamp: nextTs(),
  })

  it('refuses a feeder-signed price of 2^255 − 1, above 10^12 USD or below 10^-8 USD, whatever the signatures', async () => {
    for (const price of [2n ** 255n - 1n, 10n ** 30n + 1n, 10n ** 10n - 1n]) {
      const u = eth(price)
      expect(await refusal(c, u, await sign([feeder], u))).toBe('price out of bounds: ETH')
      expect(await refusal(c, u, await sign([stranger], u))).toBe('price out of bounds: ETH')
    }
    const r = await send(c, ORACLE_ADDRESS, submitData(eth(2n ** 255n - 1n), await sign([feeder], eth(2n ** 255n - 1n))))
    expect(r.status).toBe(0)
    expect((await priceOf(c, 1))[0]).toBe(3000n * WAD)
  })

  it('refuses a vol above 10 or below 0.0001, naming the underlying', async () => {
    const high = { underlyingIds: [2], prices: [60_000n * WAD], vols: [10n * WAD + 1n], timestamp: nextTs() }
    expect(await refusal(c, high, await sign([feeder], high))).toBe('vol out of bounds: BTC')
    const low = { ...high, vols: [10n ** 14n - 1n], timestamp: nextTs() }
    expect(await refusal(c, low, await sign([feeder], low))).toBe('vol out of bounds: BTC')
  })

  it('refuses a ±60 % move of price or vol, accepts ±40 % and exactly ±50 %', async () => {
    for (const price of [4800n * WAD, 1200n * WAD]) {
      const u = eth(price)
      expect(await refusal(c, u, await sign([feeder], u))).toBe('price move too large: ETH')
    }
    const volUp = eth(3000n * WAD, 96n * 10n ** 16n)
    expect(await refusal(c, volUp, await sign([feeder], volUp))).toBe('vol move too large: ETH')
    const up = eth(4200n * WAD, 84n * 10n ** 16n)
    expect((await send(c, ORACLE_ADDRESS, submitData(up, await sign([feeder], up)))).status).toBe(1)
    expect(await priceOf(c, 1)).toEqual([4200n * WAD, 84n * 10n ** 16n, up.timestamp])
    const down = eth(2520n * WAD, 504n * 10n ** 15n)
    expect((await send(c, ORACLE_ADDRESS, submitData(down, await sign([feeder], down)))).status).toBe(1)
    const edge = eth(3780n * WAD, 756n * 10n ** 15n)
    expect(await refusal(c, edge, await sign([feeder], edge))).toBe('accepted')
    const over = eth(3780n * WAD + 1n)
    expect(await refusal(c, over, await sign([feeder], over))).toBe('price move too large: ETH')
  })

  it('refuses the whole update when one of its underlyings moves too far', async () => {
    const before = await priceOf(c, 1)
    const u = { underlyingIds: [1, 2], prices: [before[0], 120_000n * WAD], vols: [before[1], WAD / 2n], timestamp: nextTs() }
    const sigs = await sign([feeder], u)
    expect(await refusal(c, u, sigs)).toBe('price move too large: BTC')
    expect((await send(c, ORACLE_ADDRESS, submitData(u, sigs))).status).toBe(0)
    expect(await priceOf(c, 1)).toEqual(before)
  })

  it('follows the governed maxMove: at 0.1, +20 % is refused and +10 % accepted', async () => {
    const genesis = devGenesis(GENESIS_TIME)
    genesis.margin!.config.oracle = { ...genesis.margin!.config.oracle, maxMove: 0.1 }
    const c2 = await openChain(genesis)
    try {
      await c2.node.produceBlock()
      const big = eth(3600n * WAD)
      expect(await refusal(c2, big, await sign([feeder], big))).toBe('price move too large: ETH')
      const small = eth(3300n * WAD)
      expect(await refusal(c2, small, await sign([feeder], small))).toBe('accepted')
    } finally {
      await closeChain(c2)
    }
  })
})

describe('Solidity interface calls to a function without return values', () => {
  // Solidity checks extcodesize before a high-level call whose result it does not decode, so a
  // code-less precompile account makes `oracle.submitPrices(...)` revert with no data. A one-byte
  // stub (INVALID) at the address satisfies the check; the EVM still dispatches to the precompile.
  async function forwardHighLevel(c: TestChain) {
    const user = (await send(c, null, encodeDeployData({ abi: OracleUser.abi, bytecode: OracleUser.bytecode }))).contractAddress!
    await c.node.produceBlock()
    const u = { underlyingIds: [1], prices: [2999n * WAD], vols: [WAD / 2n], timestamp: nextTs() }
    const data = encodeFunctionData({
      abi: OracleUser.abi,
      functionName: 'forwardHighLevel',
      args: [u.underlyingIds, u.prices, u.vols, u.timestamp, await sign([feeder], u)],
    })
    return c.node.call({ to: user, data, from: sender.address }, 'latest')
  }

  it('succeed when the genesis gives the precompile account a one-byte code stub (eth_getCode 0xfe)', async () => {
    const genesis = devGenesis(GENESIS_TIME)
    genesis.alloc[ORACLE_ADDRESS] = { balance: 0n, nonce: 1n, code: '0xfe' }
    const c = await openChain(genesis)
    try {
      expect(await c.node.getCode(ORACLE_ADDRESS, 'latest')).toBe('0xfe')
      const r = await forwardHighLevel(c)
      expect(r.ok).toBe(true)
    } finally {
      await closeChain(c)
    }
  })
})
