import { createBlock } from '@ethereumjs/block'
import { MerkleStateManager } from '@ethereumjs/statemanager'
import { Account, createAddressFromString, hexToBytes } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import type { Hex } from '../state/types.ts'
import { BlockHashes } from './blockHashes.ts'
import { type CallContext, call, callGas, estimateCap, estimateGas, RPC_GAS_CAP } from './call.ts'
import { ExecutionFailedError } from './callErrors.ts'
import { createChainCommon } from './common.ts'
import { WorkBudget, WorkBudgetExceeded } from './workBudget.ts'

const common = createChainCommon(31338n)
const LOOP = `0x${'22'.repeat(20)}` as Hex
const IDLE = `0x${'33'.repeat(20)}` as Hex
/** JUMPDEST PUSH0 JUMP. */
const ENDLESS = '0x5b5f56'

async function context(over: Partial<CallContext> = {}): Promise<CallContext> {
  const state = new MerkleStateManager({ common })
  await state.putAccount(createAddressFromString(LOOP), new Account(1n, 0n))
  await state.putCode(createAddressFromString(LOOP), hexToBytes(ENDLESS))
  return {
    common,
    state,
    block: createBlock({ header: { number: 1n, gasLimit: 30_000_000n, baseFeePerGas: 7n } }, { common }),
    blockHashes: new BlockHashes(),
    gasCap: 1_000_000n,
    blockGasLimit: 500_000n,
    precompiles: [],
    budget: new WorkBudget({ timeoutMs: 60_000 }),
    ...over,
  }
}

describe('eth_call bounds', () => {
  it("caps gas at geth's 50,000,000 and clamps a request for more to it", () => {
    expect(RPC_GAS_CAP).toBe(50_000_000n)
    const ctx = { gasCap: RPC_GAS_CAP }
    expect(callGas(ctx, {})).toBe(RPC_GAS_CAP)
    expect(callGas(ctx, { gas: 2n ** 64n - 1n })).toBe(RPC_GAS_CAP)
    expect(callGas(ctx, { gas: 100_000n })).toBe(100_000n)
  })

  it('an endless loop asking 2^64-1 gas runs out of the cap, not of 2^64-1', async () => {
    const r = await call(await context(), { to: LOOP, gas: 2n ** 64n - 1n })
    expect(r).toMatchObject({ ok: false, reverted: false, error: 'out of gas', gasUsed: 1_000_000n })
  })

  it("answers a call that outruns its time with geth's timeout error, as a result", async () => {
    const ctx = await context({ gasCap: 2n ** 62n, budget: new WorkBudget({ timeoutMs: 100 }) })
    const r = await call(ctx, { to: LOOP })
    expect(r).toMatchObject({ ok: false, reverted: false, error: 'execution aborted (timeout = 100ms)' })
  })

  it('throws WorkBudgetExceeded (aborted) when its signal aborts', async () => {
    const abort = new AbortController()
    const ctx = await context({ gasCap: 2n ** 62n, budget: new WorkBudget({ signal: abort.signal }) })
    setTimeout(() => abort.abort(), 20)
    await expect(call(ctx, { to: LOOP })).rejects.toMatchObject({ reason: 'aborted' })
  })
})

describe('eth_estimateGas bounds', () => {
  it('searches at most min(cap, block gas limit), or min(cap, the gas asked for)', () => {
    const ctx = { gasCap: 1_000_000n, blockGasLimit: 500_000n }
    expect(estimateCap(ctx, {})).toBe(500_000n)
    expect(estimateCap(ctx, { gas: 20_000n })).toBe(500_000n)
    expect(estimateCap(ctx, { gas: 800_000n })).toBe(800_000n)
    expect(estimateCap(ctx, { gas: 2n ** 64n - 1n })).toBe(1_000_000n)
    expect(estimateCap({ gasCap: 1_000_000n, blockGasLimit: 30_000_000n }, {})).toBe(1_000_000n)
  })

  it("refuses an endless loop in geth's words, with the bound it searched", async () => {
    const err = await estimateGas(await context(), { to: LOOP }).catch((e) => e)
    expect(err).toBeInstanceOf(ExecutionFailedError)
    expect(err.shortMessage).toBe('gas required exceeds allowance (500000)')
  })

  it('all attempts of one estimate share its time limit', async () => {
    const ctx = await context({ gasCap: 2n ** 62n, blockGasLimit: 2n ** 62n, budget: new WorkBudget({ timeoutMs: 100 }) })
    const err = await estimateGas(ctx, { to: LOOP }).catch((e) => e)
    expect(err).toBeInstanceOf(ExecutionFailedError)
    expect(err.shortMessage).toBe('execution aborted (timeout = 100ms)')
    expect(err).not.toBeInstanceOf(WorkBudgetExceeded)
  })

  it('still estimates a plain transfer', async () => {
    expect(await estimateGas(await context(), { to: IDLE, value: 0n })).toBe(21_000n)
  })
})
