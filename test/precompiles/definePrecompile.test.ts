/**
 * The precompile framework against real EVM execution: a toy precompile called by an EOA, by a
 * contract, through a nested call, under STATICCALL, inside a reverting frame and by DELEGATECALL.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAddressFromString } from '@ethereumjs/util'
import pino from 'pino'
import {
  decodeFunctionResult,
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
  type Hex,
  hexToBytes,
  parseAbi,
  parseGwei,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNode, type Node } from '../../chain/node.ts'
import { type PrecompileSpec, Revert } from '../../execution/precompiles/definePrecompile.ts'
import { DEV_ACCOUNTS, devGenesis } from '../../genesis/dev.ts'
import { compileSolidity } from '../../lib/solc.ts'
import { ContractStorage, mappingSlot } from '../../state/contractStorage.ts'

const TOY: Hex = '0x0000000000000000000000000000000000000aff'
const toyAbi = parseAbi([
  'function increment(uint256 by) returns (uint256)',
  'function get(address who) view returns (uint256)',
  'function fail(string reason)',
  'event Incremented(address indexed who, uint256 by)',
])

const toy: PrecompileSpec = {
  address: TOY,
  abi: toyAbi,
  handlers: {
    async increment([by], call) {
      const s = new ContractStorage(call.state, createAddressFromString(TOY), call.gas)
      const slot = mappingSlot(0n, call.caller)
      const next = (await s.word(slot)) + (by as bigint)
      await s.setWord(slot, next)
      call.emit('Incremented', { who: call.caller, by })
      return next
    },
    async get([who], call) {
      return new ContractStorage(call.state, createAddressFromString(TOY), call.gas).word(mappingSlot(0n, who as Hex))
    },
    fail([reason]) {
      throw new Revert(reason as string)
    },
  },
}

const SOURCE = `
pragma solidity ^0.8.20;
interface IToy { function increment(uint256 by) external returns (uint256); function get(address) external view returns (uint256); }
contract Caller {
  IToy constant toy = IToy(0x0000000000000000000000000000000000000AFF);
  function bump(uint256 by) external returns (uint256) { return toy.increment(by); }
  function bumpThenRevert(uint256 by) external { toy.increment(by); revert("undo"); }
  function bumpInChild(uint256 by) external returns (bool ok) {
    (ok, ) = address(this).call(abi.encodeWithSignature("bumpThenRevert(uint256)", by));
  }
  function staticBump(uint256 by) external view returns (bool ok) {
    (ok, ) = address(toy).staticcall(abi.encodeWithSignature("increment(uint256)", by));
  }
  function delegateBump(uint256 by) external returns (bool ok, bytes memory ret) {
    (ok, ret) = address(toy).delegatecall(abi.encodeWithSignature("increment(uint256)", by));
  }
}
contract Outer {
  function viaInner(Caller inner, uint256 by) external returns (uint256) { return inner.bump(by); }
}`

const account = privateKeyToAccount(DEV_ACCOUNTS[0][1])
let node: Node
let dir: string
let nonce = 0
const { Caller, Outer } = compileSolidity({ 'Toy.sol': SOURCE })
let caller: Hex
let outer: Hex

async function send(to: Hex | null, data: Hex) {
  const raw = await account.signTransaction({
    chainId: 31338,
    type: 'eip1559',
    to: to ?? undefined,
    data,
    nonce: nonce++,
    gas: 3_000_000n,
    maxFeePerGas: parseGwei('10'),
    maxPriorityFeePerGas: 1n,
  })
  const hash = await node.sendRawTransaction(hexToBytes(raw))
  await node.produceBlock()
  return (await node.getReceipt(hash))!
}

async function read(data: Hex, to: Hex = TOY, from?: Hex) {
  const r = await node.call({ to, data, from }, 'latest')
  if (!r.ok) throw new Error(JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? v.toString() : v)))
  return r.returnData
}

const countOf = async (who: Hex) =>
  decodeFunctionResult({
    abi: toyAbi,
    functionName: 'get',
    data: await read(encodeFunctionData({ abi: toyAbi, functionName: 'get', args: [who] })),
  })

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'um-pc-'))
  node = await createNode({
    datadir: dir,
    genesis: devGenesis(),
    blockTimeMs: 50,
    logger: pino({ level: 'silent' }),
    produce: false,
    precompiles: [toy],
  })
  caller = (await send(null, encodeDeployData({ abi: Caller.abi, bytecode: Caller.bytecode }))).contractAddress!
  outer = (await send(null, encodeDeployData({ abi: Outer.abi, bytecode: Outer.bytecode }))).contractAddress!
  expect(caller).toBe(getContractAddress({ from: account.address, nonce: 0n }).toLowerCase())
})

afterAll(async () => {
  await node.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('definePrecompile', () => {
  it('sees the EOA as caller, stores, emits and charges gas', async () => {
    const r = await send(TOY, encodeFunctionData({ abi: toyAbi, functionName: 'increment', args: [5n] }))
    expect(r.status).toBe(1)
    expect(r.logs).toHaveLength(1)
    expect(r.logs[0].address).toBe(TOY)
    expect(r.logs[0].topics[1]).toBe(`0x${account.address.slice(2).toLowerCase().padStart(64, '0')}`)
    expect(r.gasUsed).toBeGreaterThan(21_000n + 22_100n)
    expect(await countOf(account.address.toLowerCase() as Hex)).toBe(5n)
  })

  it('sees the calling contract as caller, also through a nested call', async () => {
    expect((await send(caller, encodeFunctionData({ abi: Caller.abi, functionName: 'bump', args: [3n] }))).status).toBe(1)
    expect(await countOf(caller)).toBe(3n)
    const r = await send(outer, encodeFunctionData({ abi: Outer.abi, functionName: 'viaInner', args: [caller, 4n] }))
    expect(r.status).toBe(1)
    expect(await countOf(caller)).toBe(7n)
    expect(await countOf(outer)).toBe(0n)
  })

  it('undoes its writes when an enclosing frame reverts', async () => {
    const r = await send(caller, encodeFunctionData({ abi: Caller.abi, functionName: 'bumpInChild', args: [100n] }))
    expect(r.status).toBe(1)
    expect(r.logs).toHaveLength(0)
    expect(await countOf(caller)).toBe(7n)
    const top = await send(caller, encodeFunctionData({ abi: Caller.abi, functionName: 'bumpThenRevert', args: [100n] }))
    expect(top.status).toBe(0)
    expect(await countOf(caller)).toBe(7n)
  })

  it('refuses state changes under STATICCALL and refuses DELEGATECALL', async () => {
    const data = await read(encodeFunctionData({ abi: Caller.abi, functionName: 'staticBump', args: [1n] }), caller)
    expect(decodeFunctionResult({ abi: Caller.abi, functionName: 'staticBump', data })).toBe(false)
    const d = await read(encodeFunctionData({ abi: Caller.abi, functionName: 'delegateBump', args: [1n] }), caller)
    const [ok] = decodeFunctionResult({ abi: Caller.abi, functionName: 'delegateBump', data: d }) as [boolean, Hex]
    expect(ok).toBe(false)
    expect(await countOf(caller)).toBe(7n)
  })

  it('reverts with the handler reason, and for unknown selectors', async () => {
    const r = await node.call({ to: TOY, data: encodeFunctionData({ abi: toyAbi, functionName: 'fail', args: ['nope'] }) }, 'latest')
    expect(r.ok).toBe(false)
    expect(r.ok === false && r.reverted && r.reason).toBe('nope')
    const u = await node.call({ to: TOY, data: '0xdeadbeef' }, 'latest')
    expect(u.ok === false && u.reverted && u.reason).toBe('unknown function or bad arguments')
  })

  it('keeps its storage across transactions although it holds no code (EIP-161)', async () => {
    expect(await node.getTransactionCount(TOY, 'latest')).toBe(1n)
    expect(await countOf(account.address.toLowerCase() as Hex)).toBe(5n)
  })
})
