import { type Address, createPublicClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { portalAbi, testTokenAbi } from '../../bridge/portalAbi.ts'
import { DEV_ACCOUNTS } from '../../genesis/dev.ts'
import { type AnvilInstance, startAnvil } from './anvil.ts'
import { type DevnetDeployment, deployDevnet } from './deployDevnet.ts'

let anvil: AnvilInstance
let dep: DevnetDeployment
beforeAll(async () => {
  anvil = await startAnvil()
  dep = await deployDevnet({ l1Rpc: anvil.url })
})
afterAll(async () => {
  await anvil?.stop()
})

describe('deployDevnet', () => {
  it('deploys USDC (6), WBTC (8) and a portal listing both, and mints to the ten dev accounts', async () => {
    const pub = createPublicClient({ transport: http(anvil.url) })
    expect(dep).toMatchObject({ l1Rpc: anvil.url, l1ChainId: 31337, l2ChainId: 31338, challengePeriodSeconds: 10 })
    const read = (address: Address, functionName: string, args: unknown[] = []) =>
      pub.readContract({
        address,
        abi: [...portalAbi, ...testTokenAbi],
        functionName: functionName as never,
        args: args as never,
      })
    expect(await read(dep.tokens.USDC, 'decimals')).toBe(6)
    expect(await read(dep.tokens.WBTC, 'decimals')).toBe(8)
    expect(await read(dep.tokens.USDC, 'symbol')).toBe('USDC')
    expect(await read(dep.portal, 'listed', [dep.tokens.USDC])).toBe(true)
    expect(await read(dep.portal, 'listed', [dep.tokens.WBTC])).toBe(true)
    expect(await read(dep.portal, 'sequencer')).toBe(DEV_ACCOUNTS[0][0])
    expect(await read(dep.portal, 'challengePeriodSeconds')).toBe(10n)
    for (const [account] of DEV_ACCOUNTS) {
      expect(await read(dep.tokens.USDC, 'balanceOf', [account])).toBe(1_000_000n * 10n ** 6n)
      expect(await read(dep.tokens.WBTC, 'balanceOf', [account])).toBe(100n * 10n ** 8n)
    }
    expect(DEV_ACCOUNTS).toHaveLength(10)
    expect(dep.tokenDecimals[dep.tokens.WBTC.toLowerCase()]).toBe(8)
    expect((await pub.getCode({ address: dep.portal, blockNumber: dep.portalBlock }))?.length).toBeGreaterThan(2)
  })
})
