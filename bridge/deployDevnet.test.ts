import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEV_ACCOUNTS } from '../genesis/dev.ts'
import { portalAbi, testTokenAbi } from './portalAbi.ts'
import { type TestL1, startTestL1 } from './testFixture.ts'

let l1: TestL1
beforeAll(async () => {
  l1 = await startTestL1({ challengePeriodSeconds: 10 })
})
afterAll(async () => {
  await l1?.stop()
})

describe('deployDevnet', () => {
  it('deploys USDC (6), WBTC (8) and a portal listing both, and mints to the dev accounts', async () => {
    const { dep, pub } = l1
    expect(dep).toMatchObject({ l1ChainId: 31337, l2ChainId: 31338, challengePeriodSeconds: 10 })
    const read = (address: `0x${string}`, functionName: string, args: unknown[] = []) =>
      pub.readContract({ address, abi: [...portalAbi, ...testTokenAbi], functionName: functionName as never, args: args as never })
    expect(await read(dep.tokens.USDC, 'decimals')).toBe(6)
    expect(await read(dep.tokens.WBTC, 'decimals')).toBe(8)
    expect(await read(dep.tokens.USDC, 'symbol')).toBe('USDC')
    expect(await read(dep.portal, 'listed', [dep.tokens.USDC])).toBe(true)
    expect(await read(dep.portal, 'listed', [dep.tokens.WBTC])).toBe(true)
    expect(await read(dep.portal, 'sequencer')).toBe(DEV_ACCOUNTS[0][0])
    expect(await read(dep.portal, 'challengePeriodSeconds')).toBe(10n)
    expect(await read(dep.tokens.USDC, 'balanceOf', [DEV_ACCOUNTS[3][0]])).toBe(1_000_000n * 10n ** 6n)
    expect(await read(dep.tokens.WBTC, 'balanceOf', [DEV_ACCOUNTS[3][0]])).toBe(100n * 10n ** 8n)
    expect(dep.tokenDecimals[dep.tokens.WBTC.toLowerCase()]).toBe(8)
    expect((await pub.getCode({ address: dep.portal, blockNumber: dep.portalBlock }))?.length).toBeGreaterThan(2)
  })
})
