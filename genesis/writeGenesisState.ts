/**
 * The genesis block of a chain: its state written into the trie (the allocations, the system
 * accounts, and with a margin genesis the governed configuration, the genesis prices and the
 * margin balances) and the header that commits to it. Nothing is committed to the store here:
 * the caller writes the block, or compares it with the one the store holds.
 */
import { type Block, createBlock } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { Account, createAddressFromString, type DB, hexToBytes } from '@ethereumjs/util'
import { openStateManager } from '../state/stateManager.ts'
import { SYSTEM_ACCOUNTS } from '../state/system/addresses.ts'
import { writeGenesisGovernance } from '../state/system/governanceStore.ts'
import { newPool } from '../state/system/lendingPools.ts'
import { writeGenesisPrices } from '../state/system/oracleStore.ts'
import type { MarginGenesis } from '../state/system/types.ts'
import { UmaStore } from '../state/system/umaStore.ts'
import type { Hex } from '../state/types.ts'
import type { Genesis } from './types.ts'

/** Code of a precompile account: INVALID (0xfe). */
const PRECOMPILE_CODE_STUB = Uint8Array.of(0xfe)

/**
 * Writes `genesis`'s state into `trie` (buffered, not committed) and returns the genesis block.
 * `precompiles` are the addresses the chain runs precompiles at.
 *
 * @example
 * const block = await writeGenesisState(db.trie, common, devGenesis(), ['0x…0100'])
 */
export async function writeGenesisState(
  trie: DB<string, string | Uint8Array>,
  common: Common,
  genesis: Genesis,
  precompiles: readonly Hex[],
): Promise<Block> {
  const g = genesis
  const state = await openStateManager(trie, { common, caches: true })
  // System accounts get nonce 1 so EIP-161 cleanup never deletes them with their storage.
  // Precompiles also get a one-byte code stub (INVALID, never run: the EVM dispatches to the
  // precompile first) so Solidity's extcodesize check before a call to them passes.
  const precompileSet = new Set<Hex>(precompiles.map((p) => p.toLowerCase() as Hex))
  for (const addrHex of [...new Set<Hex>([...SYSTEM_ACCOUNTS, ...precompileSet])].sort()) {
    if (g.alloc[addrHex] !== undefined) continue
    const address = createAddressFromString(addrHex)
    await state.putAccount(address, new Account(1n, 0n))
    if (precompileSet.has(addrHex)) await state.putCode(address, PRECOMPILE_CODE_STUB)
  }
  for (const addrHex of Object.keys(g.alloc).sort()) {
    const a = g.alloc[addrHex as Hex]
    const address = createAddressFromString(addrHex)
    await state.putAccount(address, new Account(a.nonce, a.balance))
    if (a.code !== undefined && a.code !== '0x') await state.putCode(address, hexToBytes(a.code))
    for (const [slot, value] of Object.entries(a.storage ?? {})) {
      await state.putStorage(address, hexToBytes(slot as Hex), hexToBytes(value))
    }
  }
  if (g.margin) {
    await writeGenesisGovernance(state, g.margin.config)
    await writeGenesisPrices(state, g.margin.config.market, g.timestamp)
    const store = new UmaStore(state)
    await openLendingPools(store, g.margin, g.timestamp)
    await writeGenesisBalances(store, g.margin)
  }
  const stateRoot = await state.getStateRoot()
  return createBlock(
    {
      header: {
        number: 0n,
        timestamp: g.timestamp,
        gasLimit: g.gasLimit,
        baseFeePerGas: g.baseFeePerGas,
        coinbase: hexToBytes(g.coinbase),
        extraData: hexToBytes(g.extraData),
        stateRoot,
      },
    },
    { common },
  )
}

/** A lending pool for every asset the configuration has parameters for (SPEC 6.2), empty, at 1.0. */
async function openLendingPools(store: UmaStore, margin: MarginGenesis, timestamp: bigint): Promise<void> {
  if (margin.config.lending === undefined) return
  for (const asset of [...margin.config.market.assets].sort((a, b) => a.id - b.id)) {
    if (margin.config.lending[asset.symbol] !== undefined) await store.setPool(asset.id, newPool(timestamp))
  }
}

/** The margin accounts' opening balances, in address then symbol order. */
async function writeGenesisBalances(store: UmaStore, margin: MarginGenesis): Promise<void> {
  for (const account of Object.keys(margin.accounts).sort() as Hex[]) {
    for (const [symbol, amount] of Object.entries(margin.accounts[account]).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const asset = margin.config.market.assets.find((a) => a.symbol === symbol)!
      await store.setBalance(account, asset.id, amount)
    }
  }
}
