/**
 * The dev genesis (SPEC section 2): chain id 31338, the ten accounts of the standard dev
 * mnemonic funded with 10,000 ETH each — the same accounts Anvil and Hardhat fund. The margin
 * parts (markets, UMAs, feeder, council, insurance fund) join it with their issues.
 */
import type { Hex } from 'viem'
import { devMarketAt, devRiskParams } from '../risk/index.ts'
import { INSURANCE_FUND_ADDRESS } from '../state/system/addresses.ts'
import { exampleArtifacts } from './contracts/exampleContracts.ts'
import { DEV_FUNDING } from './fundingBounds.ts'
import type { Genesis } from './types.ts'
import { parseGenesis } from './validate.ts'

/** The standard dev mnemonic. Never use it for anything of value. */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk'

/** Chain id of the dev L2 (the devnet L1 is Anvil's 31337). */
export const DEV_CHAIN_ID = 31338

/** `[address, privateKey]` of the dev mnemonic's first ten accounts (m/44'/60'/0'/0/i). */
export const DEV_ACCOUNTS: readonly (readonly [Hex, Hex])[] = [
  ['0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'],
  ['0x70997970C51812dc3A010C7d01b50e0d17dc79C8', '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'],
  ['0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a'],
  ['0x90F79bf6EB2c4f870365E785982E1f101E93b906', '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6'],
  ['0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65', '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a'],
  ['0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc', '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba'],
  ['0x976EA74026E726554dB657fA54763abd0C3a0aa9', '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e'],
  ['0x14dC79964da2C08b23698B3D3cc7Ca32193d9955', '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356'],
  ['0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f', '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97'],
  ['0xa0Ee7A142d267C1f36714E4a8F75612F20a79720', '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6'],
]

/** The example options venue, predeployed in the dev genesis and registered as a protocol. */
export const DEV_OPTIONS_VENUE: Hex = '0x0000000000000000000000000000000000000b01'
/** The example perp venue, predeployed in the dev genesis and registered as a protocol. */
export const DEV_PERP_VENUE: Hex = '0x0000000000000000000000000000000000000b02'
/**
 * The example batch venue (off-chain matching, `Margin.settleTrades`), predeployed in the dev
 * genesis with dev account 0 as its matcher, and registered as a protocol.
 */
export const DEV_BATCH_VENUE: Hex = '0x0000000000000000000000000000000000000b03'

/** 10,000 ETH in wei. */
const DEV_BALANCE = 10_000n * 10n ** 18n

/** The dev listing schedule (SPEC 6.4): 2 weekly and 2 monthly expiries, 5 strikes, ticks 100 / 1,000. */
export const DEV_LISTING = {
  weekly: 2,
  monthly: 2,
  strikesPct: [-0.2, -0.1, 0, 0.1, 0.2],
  tick: { ETH: 100, BTC: 1000 },
} as const

/** Unix seconds now: the default dev genesis time. */
const nowSeconds = () => Math.floor(Date.now() / 1000)

/** The dev lending pools (SPEC 6.2): rates per year, caps in whole units. */
export const DEV_LENDING = {
  USDC: { borrowable: true, base: 0, slope1: 0.04, kink: 0.8, slope2: 0.75, reserveFactor: 0.1, borrowCap: 5_000_000 },
  WETH: { borrowable: true, base: 0, slope1: 0.03, kink: 0.8, slope2: 0.8, reserveFactor: 0.1, borrowCap: 1_000 },
}

/**
 * The dev genesis as a JSON document (what `--genesis FILE` would contain), for a chain born at
 * `timestamp` (unix seconds; default now): its block, its oracle prices and its options' expiries
 * are dated from it, so a chain is neither stale nor expired at birth. `unimargin start` keeps the
 * time its datadir was created (app/devGenesisTime.ts), so a restart finds the same genesis.
 */
export function devGenesisDocument(timestamp: number = nowSeconds()): Record<string, unknown> {
  const alloc: Record<string, unknown> = {}
  const accounts: Record<string, unknown> = {}
  for (const [address] of DEV_ACCOUNTS) {
    alloc[address] = { balance: DEV_BALANCE.toString() }
    accounts[address] = { USDC: '1000000', WETH: '100' }
  }
  accounts[INSURANCE_FUND_ADDRESS] = { USDC: '100000' }
  const venues = exampleArtifacts()
  alloc[DEV_OPTIONS_VENUE] = { nonce: '1', code: venues.OptionsVenue.deployedBytecode }
  alloc[DEV_PERP_VENUE] = { nonce: '1', code: venues.PerpVenue.deployedBytecode }
  alloc[DEV_BATCH_VENUE] = {
    nonce: '1',
    code: venues.BatchVenue.deployedBytecode,
    // slot 0: `matcher`, the account whose batches the venue settles.
    storage: { [`0x${'0'.repeat(64)}`]: `0x${DEV_ACCOUNTS[0][0].slice(2).toLowerCase().padStart(64, '0')}` },
  }
  return {
    chainId: DEV_CHAIN_ID,
    timestamp,
    gasLimit: '30000000',
    baseFeePerGas: '1000000000',
    minBaseFeePerGas: '1000000',
    alloc,
    margin: {
      market: devMarketAt(timestamp),
      riskParams: devRiskParams,
      listing: DEV_LISTING,
      protocols: [DEV_OPTIONS_VENUE, DEV_PERP_VENUE, DEV_BATCH_VENUE],
      // SPEC 6.2: USDC and WETH lend and borrow on kinked curves (Aave-like); WBTC does not.
      lending: DEV_LENDING,
      // Dev oracle: feeder set = dev account 9, threshold 1; an update moves a price or a vol
      // by at most ±50 %.
      oracle: { feeders: [DEV_ACCOUNTS[9][0]], threshold: 1, maxMove: 0.5 },
      // Dev governance: council = dev accounts 0, 1, 2, quorum 2, timelock 4 blocks.
      council: {
        members: [DEV_ACCOUNTS[0][0], DEV_ACCOUNTS[1][0], DEV_ACCOUNTS[2][0]],
        quorum: 2,
        timelockBlocks: 4,
      },
      // SPEC 6.3: hourly funding, at most 5 bp an interval.
      funding: { ...DEV_FUNDING },
      accounts,
    },
  }
}

/** The dev genesis of a chain born at `timestamp` (unix seconds; default now), parsed. */
export function devGenesis(timestamp?: number): Genesis {
  return parseGenesis(devGenesisDocument(timestamp))
}
