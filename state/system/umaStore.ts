/**
 * The Universal Margin Account storage codec: every account's collateral balances, positions and
 * operators, kept in the Margin precompile's storage in Solidity's layout so `eth_getProof` can
 * prove any of them. All amounts, sizes and prices are 18-decimal integers (wad).
 *
 * Layout (slots of the Margin precompile account `0x…0a00`):
 *   0  address[] accounts                 every account that ever held anything (enumeration)
 *   1  mapping(address => uint) accountIndex (index + 1)
 *   2  mapping(address => mapping(uint32 assetId => int256)) balance
 *   3  mapping(address => mapping(uint32 instrumentId => int256)) positionSize
 *   4  mapping(address => mapping(uint32 instrumentId => int256)) entryPrice
 *   5  mapping(address => uint32[]) assetsHeld        6  mapping(address => mapping(uint32 => uint)) assetIndex (+1)
 *   7  mapping(address => uint32[]) instrumentsHeld   8  mapping(address => mapping(uint32 => uint)) instrumentIndex (+1)
 *   9  mapping(address => mapping(address => bool)) operator
 *   10 mapping(address => address[]) operators        11 mapping(address => mapping(address => uint)) operatorIndex (+1)
 *   12 uint withdrawalCount
 *   13 mapping(uint id => Withdrawal{account, assetId, amount, l1Recipient, l2Block}) (5 consecutive slots)
 *   14 mapping(uint32 instrumentId => address[]) holders   15 mapping(uint32 => mapping(address => uint)) holderIndex (+1)
 *   16 mapping(uint64 chainId => mapping(address portal => uint)) lastCreditedDepositId (bridge
 *      deposits credited by the block-start system operation, execution/system/depositCredits.ts)
 *   17 mapping(uint32 assetId => Pool) the lending pools (state/system/lendingPools.ts); a pooled
 *      asset's balance (slot 2) holds scaled principal, not the amount
 * Held-lists are kept exact (an entry leaves when its value returns to 0, swap-and-pop), so
 * iterating them is deterministic and never visits empty entries.
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import { createAddressFromString } from '@ethereumjs/util'
import type { Hex } from 'viem'
import { checkWad, MAX_POSITION_WAD, MAX_TRADE_WAD } from '../../lib/fixed.ts'
import { ContractStorage, dataSlot, type GasCharger, mappingSlot } from '../contractStorage.ts'
import { MARGIN_ADDRESS } from './addresses.ts'
import { fromScaled, LendingPools, type Pool, toScaled } from './lendingPools.ts'

const S_ACCOUNTS = 0n
const S_ACCOUNT_INDEX = 1n
const S_BALANCE = 2n
const S_SIZE = 3n
const S_ENTRY = 4n
const S_ASSETS = 5n
const S_ASSET_INDEX = 6n
const S_INSTRUMENTS = 7n
const S_INSTRUMENT_INDEX = 8n
const S_OPERATOR = 9n
const S_OPERATORS = 10n
const S_OPERATOR_INDEX = 11n
const S_WITHDRAWAL_COUNT = 12n
const S_WITHDRAWALS = 13n
const S_HOLDERS = 14n
const S_HOLDER_INDEX = 15n
const S_LAST_CREDITED_DEPOSIT = 16n
const S_PERP_FUNDING = 18n
const S_ENTRY_FUNDING = 19n

export interface Position {
  instrumentId: number
  /** Signed size, wad. */
  size: bigint
  /** Entry price (perps), wad; 0 for options. */
  entryPrice: bigint
  /**
   * The perp's cumulative funding (wad, USD per unit) the position last settled at; absent or 0
   * for options (the store always fills it in).
   */
  entryFunding?: bigint
}

/** A perp's funding state (SPEC 6.3), all wad but the times (unix seconds). */
export interface PerpFunding {
  /** Σ size of the open interval's fills. */
  volume: bigint
  /** Σ size × price of the open interval's fills (each product rounded toward zero). */
  notional: bigint
  /** Start of the interval `volume` and `notional` belong to; 0 when they are empty. */
  intervalStart: bigint
  /** Signed USD per unit of size a long has paid since the chain began. */
  cumulativeFunding: bigint
  /** Signed rate of the last interval closed (share of the index). */
  lastRate: bigint
  /** The boundary at which `lastRate` was set; 0 for never. */
  lastFundingTime: bigint
}

export interface Balance {
  assetId: number
  /** Signed amount, wad (negative = borrowed), with interest to the pool's last accrual. */
  amount: bigint
  /** For a pooled asset, the stored scaled principal (lendingPools.ts) the amount is read from. */
  scaled?: bigint
}

/** Everything one account holds. */
export interface Holdings {
  balances: Balance[]
  positions: Position[]
}

/** A withdrawal as recorded at `withdraw`. */
export interface WithdrawalRecord {
  id: bigint
  account: Hex
  assetId: number
  amount: bigint
  l1Recipient: Hex
  l2Block: bigint
}

/** A `uint[]`/`address[]` set at `lengthSlot` with its index mapping at `indexSlot`. */
class StoredSet {
  constructor(
    private readonly s: ContractStorage,
    private readonly lengthSlot: bigint,
    private readonly indexSlot: bigint,
  ) {}

  async values(): Promise<bigint[]> {
    const n = await this.s.word(this.lengthSlot)
    const base = dataSlot(this.lengthSlot)
    const out: bigint[] = []
    for (let i = 0n; i < n; i++) out.push(await this.s.word(base + i))
    return out
  }

  async has(v: bigint): Promise<boolean> {
    return (await this.s.word(mappingSlot(this.indexSlot, v))) !== 0n
  }

  async add(v: bigint): Promise<void> {
    if (await this.has(v)) return
    const n = await this.s.word(this.lengthSlot)
    await this.s.setWord(dataSlot(this.lengthSlot) + n, v)
    await this.s.setWord(this.lengthSlot, n + 1n)
    await this.s.setWord(mappingSlot(this.indexSlot, v), n + 1n)
  }

  async remove(v: bigint): Promise<void> {
    const idx = await this.s.word(mappingSlot(this.indexSlot, v))
    if (idx === 0n) return
    const n = await this.s.word(this.lengthSlot)
    const base = dataSlot(this.lengthSlot)
    if (idx !== n) {
      const last = await this.s.word(base + n - 1n)
      await this.s.setWord(base + idx - 1n, last)
      await this.s.setWord(mappingSlot(this.indexSlot, last), idx)
    }
    await this.s.setWord(base + n - 1n, 0n)
    await this.s.setWord(this.lengthSlot, n - 1n)
    await this.s.setWord(mappingSlot(this.indexSlot, v), 0n)
  }
}

const toAddr = (v: bigint): Hex => `0x${v.toString(16).padStart(40, '0')}` as Hex
const fromAddr = (a: Hex): bigint => BigInt(a)

/** Reads and writes the accounts. Pass a GasCharger inside a precompile so every access pays. */
export class UmaStore {
  private readonly s: ContractStorage
  private readonly lending: LendingPools
  /** Pools read by this store (null: the asset has none), written through. */
  private readonly pools = new Map<number, Pool | null>()

  constructor(state: StateManagerInterface, gas?: GasCharger) {
    this.s = new ContractStorage(state, createAddressFromString(MARGIN_ADDRESS), gas)
    this.lending = new LendingPools(this.s)
  }

  /** The lending pool of `assetId`, if the asset has one. */
  async pool(assetId: number): Promise<Pool | undefined> {
    let p = this.pools.get(assetId)
    if (p === undefined) {
      p = (await this.lending.get(assetId)) ?? null
      this.pools.set(assetId, p)
    }
    return p ?? undefined
  }

  /** Opens or updates a pool (genesis, interest accrual). */
  async setPool(assetId: number, pool: Pool): Promise<void> {
    await this.lending.set(assetId, pool)
    this.pools.set(assetId, { ...pool })
  }

  private accountSet(): StoredSet {
    return new StoredSet(this.s, S_ACCOUNTS, S_ACCOUNT_INDEX)
  }

  private assetSet(account: Hex): StoredSet {
    return new StoredSet(this.s, mappingSlot(S_ASSETS, account), mappingSlot(S_ASSET_INDEX, account))
  }

  private instrumentSet(account: Hex): StoredSet {
    return new StoredSet(this.s, mappingSlot(S_INSTRUMENTS, account), mappingSlot(S_INSTRUMENT_INDEX, account))
  }

  private operatorSet(account: Hex): StoredSet {
    return new StoredSet(this.s, mappingSlot(S_OPERATORS, account), mappingSlot(S_OPERATOR_INDEX, account))
  }

  private holderSet(instrumentId: number): StoredSet {
    return new StoredSet(this.s, mappingSlot(S_HOLDERS, instrumentId), mappingSlot(S_HOLDER_INDEX, instrumentId))
  }

  /** Every account that ever held anything, in first-seen order. */
  async accounts(): Promise<Hex[]> {
    return (await this.accountSet().values()).map(toAddr)
  }

  /** Accounts with an open position in `instrumentId`. */
  async holders(instrumentId: number): Promise<Hex[]> {
    return (await this.holderSet(instrumentId).values()).map(toAddr)
  }

  /** The balance with interest: a pooled asset's scaled principal at the pool's indexes. */
  async balance(account: Hex, assetId: number): Promise<bigint> {
    return (await this.balanceEntry(account, assetId)).amount
  }

  private async balanceEntry(account: Hex, assetId: number): Promise<Balance> {
    const stored = await this.s.int(mappingSlot(S_BALANCE, account, assetId))
    const pool = await this.pool(assetId)
    return pool === undefined ? { assetId, amount: stored } : { assetId, amount: fromScaled(stored, pool), scaled: stored }
  }

  /**
   * Sets a balance; for a pooled asset, its scaled principal and the pool's totals.
   *
   * @throws ValueOutOfRangeError when |amount| > MAX_WAD (lib/fixed).
   */
  async setBalance(account: Hex, assetId: number, amount: bigint): Promise<void> {
    checkWad(amount, 'balance')
    const slot = mappingSlot(S_BALANCE, account, assetId)
    const pool = await this.pool(assetId)
    if (pool === undefined) await this.s.setInt(slot, amount)
    else {
      const before = await this.s.int(slot)
      const after = toScaled(amount, pool)
      pool.scaledSupply += (after > 0n ? after : 0n) - (before > 0n ? before : 0n)
      pool.scaledBorrow += (after < 0n ? -after : 0n) - (before < 0n ? -before : 0n)
      await this.lending.setTotals(assetId, pool)
      await this.s.setInt(slot, after)
    }
    if (amount === 0n) await this.assetSet(account).remove(BigInt(assetId))
    else {
      await this.accountSet().add(fromAddr(account))
      await this.assetSet(account).add(BigInt(assetId))
    }
  }

  /** Adds `delta` (signed wad) to a balance and returns the new balance. */
  async addBalance(account: Hex, assetId: number, delta: bigint): Promise<bigint> {
    const next = (await this.balance(account, assetId)) + delta
    await this.setBalance(account, assetId, next)
    return next
  }

  async position(account: Hex, instrumentId: number): Promise<Position> {
    return {
      instrumentId,
      size: await this.s.int(mappingSlot(S_SIZE, account, instrumentId)),
      entryPrice: await this.s.int(mappingSlot(S_ENTRY, account, instrumentId)),
      entryFunding: await this.s.int(mappingSlot(S_ENTRY_FUNDING, account, instrumentId)),
    }
  }

  /** Sets the cumulative funding a perp position last settled at (wad; 0 when it closes). */
  async setEntryFunding(account: Hex, instrumentId: number, index: bigint): Promise<void> {
    await this.s.setInt(mappingSlot(S_ENTRY_FUNDING, account, instrumentId), index)
  }

  /** A perp's funding state (all zero before its first fill). */
  async perpFunding(instrumentId: number): Promise<PerpFunding> {
    const base = mappingSlot(S_PERP_FUNDING, instrumentId)
    return {
      volume: await this.s.word(base),
      notional: await this.s.word(base + 1n),
      intervalStart: await this.s.word(base + 2n),
      cumulativeFunding: await this.s.int(base + 3n),
      lastRate: await this.s.int(base + 4n),
      lastFundingTime: await this.s.word(base + 5n),
    }
  }

  /** A perp's cumulative funding alone (wad, USD per unit): one read. */
  async cumulativeFunding(instrumentId: number): Promise<bigint> {
    return this.s.int(mappingSlot(S_PERP_FUNDING, instrumentId) + 3n)
  }

  /** Writes the members of `next` that differ from `prev` (the state read before). */
  async setPerpFunding(instrumentId: number, prev: PerpFunding, next: PerpFunding): Promise<void> {
    const base = mappingSlot(S_PERP_FUNDING, instrumentId)
    if (next.volume !== prev.volume) await this.s.setWord(base, checkWad(next.volume, 'funding volume'))
    if (next.notional !== prev.notional) await this.s.setWord(base + 1n, checkWad(next.notional, 'funding notional'))
    if (next.intervalStart !== prev.intervalStart) await this.s.setWord(base + 2n, next.intervalStart)
    if (next.cumulativeFunding !== prev.cumulativeFunding) {
      await this.s.setInt(base + 3n, checkWad(next.cumulativeFunding, 'cumulative funding'))
    }
    if (next.lastRate !== prev.lastRate) await this.s.setInt(base + 4n, next.lastRate)
    if (next.lastFundingTime !== prev.lastFundingTime) await this.s.setWord(base + 5n, next.lastFundingTime)
  }

  /**
   * @throws ValueOutOfRangeError when |size| > MAX_POSITION_WAD or |entryPrice| > MAX_TRADE_WAD
   *   (lib/fixed): an entry price is an average of trade prices.
   */
  async setPosition(account: Hex, instrumentId: number, size: bigint, entryPrice: bigint): Promise<void> {
    checkWad(size, 'position size', MAX_POSITION_WAD)
    checkWad(entryPrice, 'entry price', MAX_TRADE_WAD)
    await this.s.setInt(mappingSlot(S_SIZE, account, instrumentId), size)
    await this.s.setInt(mappingSlot(S_ENTRY, account, instrumentId), size === 0n ? 0n : entryPrice)
    if (size === 0n) {
      await this.instrumentSet(account).remove(BigInt(instrumentId))
      await this.holderSet(instrumentId).remove(fromAddr(account))
    } else {
      await this.accountSet().add(fromAddr(account))
      await this.instrumentSet(account).add(BigInt(instrumentId))
      await this.holderSet(instrumentId).add(fromAddr(account))
    }
  }

  async isOperator(account: Hex, protocol: Hex): Promise<boolean> {
    return (await this.s.word(mappingSlot(S_OPERATOR, account, protocol))) !== 0n
  }

  async setOperator(account: Hex, protocol: Hex, allowed: boolean): Promise<void> {
    await this.s.setWord(mappingSlot(S_OPERATOR, account, protocol), allowed ? 1n : 0n)
    if (allowed) await this.operatorSet(account).add(fromAddr(protocol))
    else await this.operatorSet(account).remove(fromAddr(protocol))
  }

  async operators(account: Hex): Promise<Hex[]> {
    return (await this.operatorSet(account).values()).map(toAddr)
  }

  /** Everything `account` holds, balances by asset id and positions by instrument id. */
  async holdings(account: Hex): Promise<Holdings> {
    const assetIds = (await this.assetSet(account).values()).map(Number).sort((a, b) => a - b)
    const instrumentIds = (await this.instrumentSet(account).values()).map(Number).sort((a, b) => a - b)
    const balances: Balance[] = []
    for (const assetId of assetIds) balances.push(await this.balanceEntry(account, assetId))
    const positions: Position[] = []
    for (const id of instrumentIds) positions.push(await this.position(account, id))
    return { balances, positions }
  }

  /** Records a withdrawal and returns its id (1, 2, …). */
  async recordWithdrawal(w: Omit<WithdrawalRecord, 'id'>): Promise<bigint> {
    const id = (await this.s.word(S_WITHDRAWAL_COUNT)) + 1n
    await this.s.setWord(S_WITHDRAWAL_COUNT, id)
    const base = mappingSlot(S_WITHDRAWALS, id)
    await this.s.setWord(base, fromAddr(w.account))
    await this.s.setWord(base + 1n, BigInt(w.assetId))
    await this.s.setWord(base + 2n, w.amount)
    await this.s.setWord(base + 3n, fromAddr(w.l1Recipient))
    await this.s.setWord(base + 4n, w.l2Block)
    return id
  }

  async withdrawalCount(): Promise<bigint> {
    return this.s.word(S_WITHDRAWAL_COUNT)
  }

  async withdrawal(id: bigint): Promise<WithdrawalRecord | undefined> {
    const base = mappingSlot(S_WITHDRAWALS, id)
    const account = await this.s.word(base)
    if (account === 0n) return undefined
    return {
      id,
      account: toAddr(account),
      assetId: Number(await this.s.word(base + 1n)),
      amount: await this.s.word(base + 2n),
      l1Recipient: toAddr(await this.s.word(base + 3n)),
      l2Block: await this.s.word(base + 4n),
    }
  }

  /** The last L1 deposit id credited from the portal `portal` on chain `chainId` (0 for none). */
  async lastCreditedDepositId(chainId: number, portal: Hex): Promise<bigint> {
    return this.s.word(mappingSlot(S_LAST_CREDITED_DEPOSIT, chainId, portal.toLowerCase() as Hex))
  }

  async setLastCreditedDepositId(chainId: number, portal: Hex, depositId: bigint): Promise<void> {
    await this.s.setWord(mappingSlot(S_LAST_CREDITED_DEPOSIT, chainId, portal.toLowerCase() as Hex), depositId)
  }
}
