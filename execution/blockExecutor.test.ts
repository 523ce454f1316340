/**
 * The block pipeline closes what a failed transaction left open (DESIGN.md, "Containment"): a
 * precompile that writes state and then throws out of the EVM — past every frame's own revert —
 * leaves no trace, later transactions run as usual, and the sealed root is readable from the store.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEVM, type ExecResult, type PrecompileInput } from '@ethereumjs/evm'
import { Account, createAddressFromString, hexToBytes as ejsHexToBytes } from '@ethereumjs/util'
import { createVM } from '@ethereumjs/vm'
import { type Hex, hexToBytes, parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, it } from 'vitest'
import { DEV_ACCOUNTS } from '../genesis/dev.ts'
import { StoreFailureError } from '../lib/errors.ts'
import { ChainDb } from '../state/chainDb.ts'
import { checkpointDepth, openStateManager, stateRootReadable } from '../state/stateManager.ts'
import { BlockExecutor } from './blockExecutor.ts'
import { createChainCommon, createSharedTxCommon } from './common.ts'
import { decodeRawTx } from './rawTx.ts'

const CHAIN_ID = 31338n
const alice = privateKeyToAccount(DEV_ACCOUNTS[0][1])
const bob = privateKeyToAccount(DEV_ACCOUNTS[1][1])
const EXPLODER = '0x0000000000000000000000000000000000000c01' as Hex
const VICTIM = createAddressFromString('0x00000000000000000000000000000000000000aa')
const SLOT = ejsHexToBytes(`0x${'00'.repeat(31)}01`)

const dirs: string[] = []
const dbs: ChainDb[] = []
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A state with alice funded and VICTIM holding one storage word, a VM whose 0x…0c01 explodes. */
async function setUp(throwWhat: () => Error) {
  const dir = mkdtempSync(join(tmpdir(), 'um-exec-'))
  dirs.push(dir)
  const db = await ChainDb.open(dir)
  dbs.push(db)
  const common = createChainCommon(CHAIN_ID)
  const state = await openStateManager(db.trie, { common, caches: true })
  await state.putAccount(createAddressFromString(alice.address), new Account(0n, 10n ** 21n))
  await state.putAccount(VICTIM, new Account(1n, 0n))
  await state.putStorage(VICTIM, SLOT, Uint8Array.of(7))
  await state.putAccount(createAddressFromString(EXPLODER), new Account(1n, 0n))
  const root = await state.getStateRoot()
  // Written as a real block would be, so the root is in the store.
  await db.commitBlock({ number: 0n, hash: `0x${'00'.repeat(32)}`, rlp: new Uint8Array(), receipts: [], txHashes: [] })
  const exploder = async (input: PrecompileInput): Promise<ExecResult> => {
    // Mid-call: a write through the state manager (journaled), then an exception that is not an
    // EVM halt — what a buggy handler outside definePrecompile's net would do.
    await input._EVM.stateManager.putStorage(VICTIM, SLOT, Uint8Array.of(0xff))
    await input._EVM.stateManager.putAccount(VICTIM, new Account(1n, 10n ** 30n))
    throw throwWhat()
  }
  const evm = await createEVM({
    common,
    stateManager: state,
    customPrecompiles: [{ address: createAddressFromString(EXPLODER), function: exploder }],
  })
  const vm = await createVM({ common, stateManager: state, evm })
  const executor = new BlockExecutor(vm, state, common)
  const txCommon = createSharedTxCommon(CHAIN_ID)
  const tx = async (nonce: number, to: Hex, value = 0n) =>
    decodeRawTx(
      hexToBytes(
        await alice.signTransaction({
          chainId: Number(CHAIN_ID),
          type: 'eip1559',
          to,
          value,
          nonce,
          gas: 100_000n,
          maxFeePerGas: parseGwei('10'),
          maxPriorityFeePerGas: parseGwei('1'),
        }),
      ),
      txCommon,
    )
  const begin = () =>
    executor.begin({
      number: 1n,
      parentHash: new Uint8Array(32),
      timestamp: 1_800_000_000n,
      gasLimit: 30_000_000n,
      baseFeePerGas: parseGwei('1'),
      coinbase: '0x0000000000000000000000000000000000000000',
    })
  return { db, state, executor, tx, begin, root }
}

describe('BlockExecutor containment', () => {
  it('rolls a transaction whose precompile throws mid-call back to the block state before it', async () => {
    const { db, state, executor, tx, begin } = await setUp(() => new TypeError('boom'))
    await begin()
    const depth = checkpointDepth(state)
    const out = await executor.apply(await tx(0, EXPLODER), createAddressFromString(alice.address))
    expect('error' in out && out.error).toContain('boom')
    expect(checkpointDepth(state)).toBe(depth)
    expect(executor.txCount).toBe(0)
    // Nothing of the failed run: the victim's word and balance, alice's nonce.
    expect(await state.getStorage(VICTIM, SLOT)).toEqual(Uint8Array.of(7))
    expect((await state.getAccount(VICTIM))!.balance).toBe(0n)
    expect((await state.getAccount(createAddressFromString(alice.address)))!.nonce).toBe(0n)
    // The next transaction runs as usual, with the same nonce.
    const ok = await executor.apply(await tx(0, bob.address, 5n), createAddressFromString(alice.address))
    expect('error' in ok).toBe(false)
    const sealed = await executor.seal()
    expect(checkpointDepth(state)).toBe(0)
    expect(await stateRootReadable(db.trie, sealed.block.header.stateRoot)).toBe(true)
    // A fresh reader at the sealed root sees everything.
    const reader = await openStateManager(db.trie, { common: createChainCommon(CHAIN_ID), root: sealed.block.header.stateRoot })
    expect((await reader.getAccount(createAddressFromString(bob.address)))!.balance).toBe(5n)
    expect(await reader.getStorage(VICTIM, SLOT)).toEqual(Uint8Array.of(7))
  })

  it('rethrows a store failure after unwinding, so the block is never sealed', async () => {
    const { state, executor, tx, begin } = await setUp(() => new StoreFailureError('disk gone'))
    await begin()
    const depth = checkpointDepth(state)
    await expect(executor.apply(await tx(0, EXPLODER), createAddressFromString(alice.address))).rejects.toBeInstanceOf(
      StoreFailureError,
    )
    expect(checkpointDepth(state)).toBe(depth)
    await executor.abort()
    expect(checkpointDepth(state)).toBe(0)
  })

  it('contains a throwing system operation: its writes are rolled back, the block goes on', async () => {
    const { state, executor, begin } = await setUp(() => new Error('unused'))
    await begin()
    const out = await executor.contained(async () => {
      await state.putStorage(VICTIM, SLOT, Uint8Array.of(9))
      await state.checkpoint() // left open on purpose
      throw new RangeError('int256 out of range')
    })
    expect(out.ok).toBe(false)
    expect(checkpointDepth(state)).toBe(1)
    expect(await state.getStorage(VICTIM, SLOT)).toEqual(Uint8Array.of(7))
    const ok = await executor.contained(async () => 42)
    expect(ok).toEqual({ ok: true, value: 42 })
  })

  it('knows a root whose node was never written is not readable', async () => {
    const { db, root } = await setUp(() => new Error('unused'))
    expect(await stateRootReadable(db.trie, root)).toBe(true)
    expect(await stateRootReadable(db.trie, new Uint8Array(32).fill(0xab))).toBe(false)
  })
})
