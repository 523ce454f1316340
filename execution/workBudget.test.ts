import { MerkleStateManager } from '@ethereumjs/statemanager'
import { Account, bytesToHex, createAddressFromString, hexToBytes } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { BlockHashes } from './blockHashes.ts'
import { createChainEvm } from './chainVm.ts'
import { createChainCommon } from './common.ts'
import { formatDuration, WorkBudget, WorkBudgetExceeded } from './workBudget.ts'

const common = createChainCommon(31338n)
const caller = createAddressFromString(`0x${'11'.repeat(20)}`)
const target = createAddressFromString(`0x${'22'.repeat(20)}`)

/** JUMPDEST PUSH0 JUMP: a loop that never ends but in running out of gas. */
const ENDLESS = '0x5b5f56'
/**
 * Counts 200 down to 0 (PUSH1 200; JUMPDEST; PUSH1 1 SWAP1 SUB DUP1 PUSH1 2 JUMPI), then returns
 * 42 as a word (PUSH1 42 PUSH0 MSTORE PUSH1 32 PUSH0 RETURN).
 */
const FINITE = '0x60c85b600190038060025760' + '2a5f5260205ff3'

async function evmWith(code: string, budget?: WorkBudget) {
  const state = new MerkleStateManager({ common })
  await state.putAccount(target, new Account(1n, 0n))
  await state.putCode(target, hexToBytes(code as `0x${string}`))
  return createChainEvm({ common, state, blockHashes: new BlockHashes(), precompiles: [], budget })
}

describe('WorkBudget in the EVM', () => {
  it('leaves results and gas exactly as the plain EVM has them', async () => {
    const run = async (budget?: WorkBudget) => {
      const r = await (await evmWith(FINITE, budget)).runCall({ to: target, caller, gasLimit: 100_000n })
      return { error: r.execResult.exceptionError?.error, gas: r.execResult.executionGasUsed, out: bytesToHex(r.execResult.returnValue) }
    }
    const plain = await run()
    expect(plain.error).toBeUndefined()
    expect(BigInt(plain.out)).toBe(42n)
    expect(plain.gas).toBeGreaterThan(200n * 20n)
    expect(await run(new WorkBudget({ timeoutMs: 60_000 }))).toEqual(plain)
    // An endless loop runs out of the same gas either way.
    const endless = async (budget?: WorkBudget) =>
      (await (await evmWith(ENDLESS, budget)).runCall({ to: target, caller, gasLimit: 1_000_000n })).execResult
    const a = await endless()
    const b = await endless(new WorkBudget())
    expect([a.exceptionError?.error, a.executionGasUsed]).toEqual(['out of gas', 1_000_000n])
    expect([b.exceptionError?.error, b.executionGasUsed]).toEqual(['out of gas', 1_000_000n])
  })

  it('charges the CALL and CREATE families exactly as the fork does', async () => {
    const codes = {
      call: '0x5f5f5f5f5f60045af100',
      callcode: '0x5f5f5f5f5f60045af200',
      delegatecall: '0x5f5f5f5f60045af400',
      staticcall: '0x5f5f5f5f60045afa00',
      create: '0x5f5f5ff000',
      create2: '0x5f5f5f5ff500',
    }
    for (const [name, code] of Object.entries(codes)) {
      const gas = async (budget?: WorkBudget) => {
        const r = await (await evmWith(code, budget)).runCall({ to: target, caller, gasLimit: 1_000_000n })
        return [r.execResult.exceptionError?.error, r.execResult.executionGasUsed]
      }
      const plain = await gas()
      expect(plain[0], name).toBeUndefined()
      expect(await gas(new WorkBudget()), name).toEqual(plain)
    }
  })

  it("stops an endless loop at the budget's deadline with geth's words", async () => {
    const evm = await evmWith(ENDLESS, new WorkBudget({ timeoutMs: 50 }))
    const err = await evm.runCall({ to: target, caller, gasLimit: 2n ** 62n }).catch((e) => e)
    expect(err).toBeInstanceOf(WorkBudgetExceeded)
    expect(err).toMatchObject({ reason: 'timeout', message: 'execution aborted (timeout = 50ms)' })
    expect(new WorkBudgetExceeded('timeout', 5000).message).toBe('execution aborted (timeout = 5s)')
    expect([formatDuration(1500), formatDuration(90_000), formatDuration(60_000)]).toEqual(['1.5s', '1m30s', '1m0s'])
  })

  it('stops when its signal aborts', async () => {
    const abort = new AbortController()
    const evm = await evmWith(ENDLESS, new WorkBudget({ signal: abort.signal }))
    const running = evm.runCall({ to: target, caller, gasLimit: 2n ** 62n }).catch((e) => e)
    setTimeout(() => abort.abort(), 20)
    expect(await running).toMatchObject({ reason: 'aborted' })
  })

  it('a batch deadline earlier than its own limit wins', () => {
    const b = new WorkBudget({ timeoutMs: 60_000, deadline: performance.now() - 1 })
    expect(() => b.assertOpen()).toThrow(WorkBudgetExceeded)
    expect(() => new WorkBudget({ timeoutMs: 60_000 }).assertOpen()).not.toThrow()
  })

  it('lets timers fire while a long call runs; the plain EVM does not', async () => {
    const ticksDuring = async (budget?: WorkBudget, gasLimit = 2n ** 62n) => {
      const evm = await evmWith(ENDLESS, budget)
      let ticks = 0
      const timer = setInterval(() => ticks++, 1)
      await evm.runCall({ to: target, caller, gasLimit }).catch(() => undefined)
      clearInterval(timer)
      return ticks
    }
    // 2M gas of loop holds a plain EVM for tens of ms without a single timer turn.
    expect(await ticksDuring(undefined, 2_000_000n)).toBe(0)
    expect(await ticksDuring(new WorkBudget({ timeoutMs: 200 }))).toBeGreaterThan(0)
  })
})
