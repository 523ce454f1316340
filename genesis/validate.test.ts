import { mnemonicToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { DEV_ACCOUNTS, DEV_BATCH_VENUE, DEV_CHAIN_ID, DEV_MNEMONIC, devGenesis, devGenesisDocument } from './dev.ts'
import { GenesisError } from './errors.ts'
import { parseGenesis } from './validate.ts'

function refusal(doc: unknown): GenesisError {
  try {
    parseGenesis(doc)
  } catch (err) {
    if (err instanceof GenesisError) return err
    throw err
  }
  throw new Error('genesis was accepted')
}

describe('parseGenesis', () => {
  it('parses the dev genesis', () => {
    const g = devGenesis()
    expect(g.chainId).toBe(BigInt(DEV_CHAIN_ID))
    // 10 dev accounts and the three example venues.
    expect(Object.keys(g.alloc)).toHaveLength(13)
    expect(g.alloc[DEV_BATCH_VENUE].storage).toEqual({
      [`0x${'0'.repeat(64)}`]: `0x${DEV_ACCOUNTS[0][0].slice(2).toLowerCase().padStart(64, '0')}`,
    })
    expect(g.alloc[DEV_ACCOUNTS[0][0].toLowerCase() as `0x${string}`].balance).toBe(10n ** 22n)
  })

  it('holds the dev mnemonic accounts', () => {
    DEV_ACCOUNTS.forEach(([address, key], i) => {
      const acct = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i })
      expect(acct.address).toBe(address)
      expect(Buffer.from(acct.getHdKey().privateKey!).toString('hex')).toBe(key.slice(2))
    })
  })

  it('names the field of each refusal', () => {
    const base = devGenesisDocument()
    expect(refusal({ ...base, chainId: 'abc' }).field).toBe('chainId')
    expect(refusal({ ...base, chainId: undefined }).field).toBe('chainId')
    expect(refusal({ ...base, gasLimit: -1 }).field).toBe('gasLimit')
    expect(refusal({ ...base, typo: 1 }).field).toBe('typo')
    expect(refusal({ ...base, alloc: { '0x12': { balance: '1' } } }).field).toBe('alloc.0x12')
    const addr = '0x0000000000000000000000000000000000000001'
    expect(refusal({ ...base, alloc: { [addr]: { balance: '1.5' } } }).field).toBe(`alloc.${addr}.balance`)
    expect(refusal({ ...base, alloc: { [addr]: { code: '0x1' } } }).field).toBe(`alloc.${addr}.code`)
    expect(refusal({ ...base, alloc: { [addr]: { bal: '1' } } }).field).toBe(`alloc.${addr}.bal`)
    expect(refusal([]).field).toBe('(root)')
    expect(refusal({ ...base, coinbase: '0xzz' }).message).toContain('coinbase')
  })

  it('accepts hex, decimal and numeric quantities alike', () => {
    const g = parseGenesis({ chainId: '0x7a6a', gasLimit: 8_000_000, alloc: {} })
    expect(g.chainId).toBe(31338n)
    expect(g.gasLimit).toBe(8_000_000n)
    expect(g.baseFeePerGas).toBe(1_000_000_000n)
  })
})

describe('parseGenesis margin section', () => {
  const base = devGenesisDocument() as Record<string, any>
  const withMargin = (patch: (m: any) => void) => {
    const doc = structuredClone(base)
    patch(doc.margin)
    return doc
  }

  it('parses the dev markets, council, feeder and opening balances', () => {
    const m = devGenesis().margin!
    expect(m.config.market.instruments.find((i) => i.name === 'ETH-PERP')).toBeDefined()
    expect(m.config.council).toEqual({
      members: DEV_ACCOUNTS.slice(0, 3)
        .map(([a]) => a.toLowerCase())
        .sort(),
      quorum: 2,
      timelockBlocks: 4,
    })
    expect(m.config.oracle).toEqual({ feeders: [DEV_ACCOUNTS[9][0].toLowerCase()], threshold: 1, maxMove: 0.5 })
    expect(m.accounts[DEV_ACCOUNTS[3][0].toLowerCase() as `0x${string}`]).toEqual({
      USDC: 1_000_000n * 10n ** 18n,
      WETH: 100n * 10n ** 18n,
    })
    expect(m.accounts['0x0000000000000000000000000000000000000a0f'].USDC).toBe(100_000n * 10n ** 18n)
  })

  it('names the bad field in the margin section', () => {
    expect(refusal(withMargin((m) => (m.riskParams.haircut.WETH = 0.99))).field).toBe('margin.riskParams.haircut.WETH')
    expect(refusal(withMargin((m) => (m.riskParams.imMultiplier = 7))).field).toBe('margin.riskParams.imMultiplier')
    expect(refusal(withMargin((m) => (m.riskParams.spotShocks = [-1, 1]))).field).toBe('margin.riskParams.spotShocks')
    expect(refusal(withMargin((m) => (m.riskParams.bogus = 1))).field).toBe('margin.riskParams.bogus')
    expect(refusal(withMargin((m) => delete m.riskParams.maxOracleAge)).field).toBe('margin.riskParams.maxOracleAge')
    expect(refusal(withMargin((m) => (m.council.quorum = 4))).field).toBe('margin.council.quorum')
    expect(refusal(withMargin((m) => (m.oracle.threshold = 2))).field).toBe('margin.oracle.threshold')
    expect(refusal(withMargin((m) => (m.market.instruments[0].underlying = 'DOGE'))).field).toBe('margin.market.instruments[0].underlying')
    expect(refusal(withMargin((m) => (m.market.instruments[1].id = 1))).field).toBe('margin.market.instruments[1].id')
    const acct = DEV_ACCOUNTS[0][0]
    expect(refusal(withMargin((m) => (m.accounts[acct] = { DOGE: '1' }))).field).toBe(`margin.accounts.${acct}.DOGE`)
    expect(refusal(withMargin((m) => (m.accounts[acct] = { USDC: 'lots' }))).field).toBe(`margin.accounts.${acct}.USDC`)
  })

  it('checks the governed bounds as a whole, with the same checkers as propose', () => {
    const pd = refusal(withMargin((m) => (m.riskParams.es.correlation = { 'ETH-BTC': 1 })))
    expect(pd.field).toBe('margin.riskParams.es.correlation')
    expect(pd.message).toMatch(/must be positive definite/)
    expect(refusal(withMargin((m) => (m.riskParams.es.correlation = { 'ETH-DOGE': 0.1 }))).field).toBe(
      'margin.riskParams.es.correlation.ETH-DOGE',
    )
    expect(refusal(withMargin((m) => (m.riskParams.scanRange.DOGE = 0.1))).field).toBe('margin.riskParams.scanRange.DOGE')
    expect(refusal(withMargin((m) => (m.riskParams.maxOracleAge = 7200))).field).toBe('margin.riskParams.maxOracleAge')
    expect(refusal(withMargin((m) => (m.riskParams.es.paths = 50_000))).field).toBe('margin.riskParams.es.paths')
    expect(refusal(withMargin((m) => delete m.oracle.maxMove)).field).toBe('margin.oracle.maxMove')
    expect(refusal(withMargin((m) => (m.oracle.maxMove = 20))).field).toBe('margin.oracle.maxMove')
    expect(refusal(withMargin((m) => (m.council.timelockBlocks = 20_000_000))).field).toBe('margin.council.timelockBlocks')
    expect(refusal(withMargin((m) => (m.market.instruments[2].strike = 1e15))).field).toBe('margin.market.instruments[2].strike')
    expect(refusal(withMargin((m) => (m.market.instruments[0].id = 2 ** 32))).field).toBe('margin.market.instruments[0].id')
  })

  it("keeps the market's prices and vols within the oracle's caps", () => {
    expect(refusal(withMargin((m) => (m.market.underlyings[0].price = 1e13))).field).toBe('margin.market.underlyings[0].price')
    expect(refusal(withMargin((m) => (m.market.underlyings[0].price = 1e-9))).field).toBe('margin.market.underlyings[0].price')
    expect(refusal(withMargin((m) => (m.market.underlyings[1].vol = 11))).field).toBe('margin.market.underlyings[1].vol')
    expect(refusal(withMargin((m) => (m.market.underlyings[1].vol = 0.00001))).field).toBe('margin.market.underlyings[1].vol')
    expect(refusal(withMargin((m) => (m.market.assets[0].price = 1e13))).field).toBe('margin.market.assets[0].price')
  })

  it('refuses __proto__, constructor and prototype keys anywhere, and symbols objects inherit', () => {
    const proto = JSON.parse(JSON.stringify(base).replace('"riskParams":{', '"riskParams":{"__proto__":{"imMultiplier":1},'))
    expect(refusal(proto).field).toBe('margin.riskParams.__proto__')
    const deep = JSON.parse(JSON.stringify(base).replace('"correlation":{', '"correlation":{"constructor":0.5,'))
    expect(refusal(deep).field).toBe('margin.riskParams.es.correlation.constructor')
    expect(refusal(JSON.parse('{"chainId":1,"alloc":{},"prototype":1}')).field).toBe('prototype')
    expect(refusal(withMargin((m) => (m.market.underlyings[2].symbol = 'constructor'))).field).toBe('margin.market.underlyings[2].symbol')
  })
})
