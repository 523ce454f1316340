/**
 * SPEC 5 with viem, against the node or Anvil (`E2E_TARGET`): identity, dev accounts,
 * transfers of the three transaction types, a contract's life (deploy, call, write, logs over
 * HTTP and WS), subscriptions, eth_getProof checked against the state root, reverts, historical
 * calls and state overrides, fees, block tags, transaction lookups.
 */

import { verifyMerkleProof } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import {
  type Address,
  BaseError,
  bytesToBigInt,
  bytesToHex,
  ContractFunctionRevertedError,
  decodeEventLog,
  encodeFunctionData,
  type Hex,
  hexToBytes,
  keccak256,
  type Log,
  numberToHex,
  pad,
  parseEther,
  parseGwei,
  toEventSelector,
  toHex,
  zeroHash,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeWs, devAccounts, devBalance, publicHttp, publicWs, walletHttp } from './support/clients.ts'
import { deployProbe, probeContract } from './support/probe.ts'
import { openWs, postRaw, rpc, rpcResult } from './support/rpc.ts'
import { startTarget, type Target } from './support/target.ts'

const { abi } = probeContract()

let target: Target
let client: ReturnType<typeof publicHttp>

beforeAll(async () => {
  target = await startTarget()
  client = publicHttp(target.url)
})

afterAll(async () => {
  await target?.stop()
})

/** An RLP integer (empty bytes are 0). */
function rlpInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : bytesToBigInt(b)
}

/** A fresh address nobody has touched. */
function freshAddress(): Address {
  return privateKeyToAccount(generatePrivateKey()).address
}

/** Sends transfers from `from` every `everyMs` until `stop()`; makes blocks on a lazy sequencer. */
function keepBusy(fromIndex: number, everyMs = 150): { stop(): Promise<void> } {
  const wallet = walletHttp(target.url, devAccounts[fromIndex])
  let running = true
  const loop = (async () => {
    while (running) {
      await wallet.sendTransaction({ to: freshAddress(), value: 1n })
      await new Promise((r) => setTimeout(r, everyMs))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
    },
  }
}

describe('identity', () => {
  it('answers chain id 31338, net_version and web3_clientVersion', async () => {
    expect(await client.getChainId()).toBe(31338)
    expect(await rpcResult(target.url, 'eth_chainId')).toBe('0x7a6a')
    // geth answers net_version with the network id as a decimal string.
    expect(await rpcResult(target.url, 'net_version')).toBe('31338')
    const version = await rpcResult<string>(target.url, 'web3_clientVersion')
    expect(typeof version).toBe('string')
    expect(version.length).toBeGreaterThan(0)
  })
})

describe('dev accounts', () => {
  it('funds the ten accounts of the dev mnemonic with 10,000 ETH at genesis', async () => {
    expect(devAccounts[0].address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
    expect(devAccounts[9].address).toBe('0xa0Ee7A142d267C1f36714E4a8F75612F20a79720')
    const balances = await Promise.all(devAccounts.map((a) => client.getBalance({ address: a.address, blockTag: 'earliest' })))
    expect(balances).toEqual(Array(10).fill(devBalance))
    // Account 9 is never used by this suite: still untouched at latest.
    expect(await client.getBalance({ address: devAccounts[9].address })).toBe(devBalance)
    expect(await client.getTransactionCount({ address: devAccounts[9].address })).toBe(0)
  })
})

describe('transfers', () => {
  const sender = devAccounts[1]

  for (const type of ['legacy', 'eip2930', 'eip1559'] as const) {
    it(`mines a ${type} transfer; balances move by value + gasUsed * effectiveGasPrice`, async () => {
      const wallet = walletHttp(target.url, sender)
      const to = freshAddress()
      const value = parseEther('1.25')
      const hash =
        type === 'eip1559'
          ? await wallet.sendTransaction({ to, value, type })
          : type === 'eip2930'
            ? await wallet.sendTransaction({
                to,
                value,
                type,
                accessList: [{ address: to, storageKeys: [zeroHash] }],
                gasPrice: await client.getGasPrice(),
              })
            : await wallet.sendTransaction({ to, value, type, gasPrice: await client.getGasPrice() })
      const receipt = await client.waitForTransactionReceipt({ hash, timeout: 20_000 })

      expect(receipt.status).toBe('success')
      expect(receipt.type).toBe(type)
      expect(receipt.transactionHash).toBe(hash)
      expect(receipt.from).toBe(sender.address.toLowerCase())
      expect(receipt.to).toBe(to.toLowerCase())
      expect(receipt.contractAddress ?? null).toBeNull()
      expect(receipt.logs).toEqual([])
      expect(receipt.logsBloom).toBe(`0x${'0'.repeat(512)}`)
      // 21,000, plus 2,400 for the access-list address and 1,900 for its storage key.
      expect(receipt.gasUsed).toBe(type === 'eip2930' ? 21_000n + 2_400n + 1_900n : 21_000n)
      expect(receipt.cumulativeGasUsed).toBeGreaterThanOrEqual(receipt.gasUsed)

      const block = await client.getBlock({ blockNumber: receipt.blockNumber })
      expect(block.hash).toBe(receipt.blockHash)
      expect(block.transactions[receipt.transactionIndex]).toBe(hash)

      const tx = await client.getTransaction({ hash })
      expect(tx.type).toBe(type)
      if (type === 'eip1559') {
        // effectiveGasPrice = min(maxFeePerGas, baseFee + maxPriorityFeePerGas)
        const base = block.baseFeePerGas ?? 0n
        const expected = base + tx.maxPriorityFeePerGas! < tx.maxFeePerGas! ? base + tx.maxPriorityFeePerGas! : tx.maxFeePerGas!
        expect(receipt.effectiveGasPrice).toBe(expected)
      } else {
        expect(receipt.effectiveGasPrice).toBe(tx.gasPrice)
        expect(tx.gasPrice!).toBeGreaterThanOrEqual(block.baseFeePerGas ?? 0n)
      }

      // Only this sender's transaction touches these balances in that block.
      const before = await client.getBalance({
        address: sender.address,
        blockNumber: receipt.blockNumber - 1n,
      })
      const after = await client.getBalance({ address: sender.address, blockNumber: receipt.blockNumber })
      expect(before - after).toBe(value + receipt.gasUsed * receipt.effectiveGasPrice)
      expect(await client.getBalance({ address: to })).toBe(value)
      expect(await client.getBalance({ address: to, blockNumber: receipt.blockNumber - 1n })).toBe(0n)
    })
  }

  it("mines a transfer with calldata to an EOA on viem's own gas estimate (EIP-7623 floor)", async () => {
    const wallet = walletHttp(target.url, sender)
    const to = freshAddress()
    // 3 non-zero bytes: Prague charges max(21,000 + 3·16, 21,000 + 10·12) = 21,120.
    const gas = await client.estimateGas({ account: sender, to, data: '0xc0ffee' })
    expect(gas).toBeGreaterThanOrEqual(21_120n)
    const hash = await wallet.sendTransaction({ to, data: '0xc0ffee', value: 1n })
    const receipt = await client.waitForTransactionReceipt({ hash, timeout: 10_000 })
    expect(receipt.status).toBe('success')
    expect(receipt.gasUsed).toBe(21_120n)
  })

  it('counts nonces at latest and, with queued transactions, at pending', async () => {
    const account = devAccounts[2]
    const wallet = walletHttp(target.url, account)
    const start = await client.getTransactionCount({ address: account.address })
    const h1 = await wallet.sendTransaction({ to: freshAddress(), value: 1n, nonce: start })
    const h2 = await wallet.sendTransaction({ to: freshAddress(), value: 1n, nonce: start + 1 })
    // Both are in the pool or already mined: pending counts them either way.
    expect(await client.getTransactionCount({ address: account.address, blockTag: 'pending' })).toBe(start + 2)
    const r2 = await client.waitForTransactionReceipt({ hash: h2, timeout: 20_000 })
    const r1 = await client.getTransactionReceipt({ hash: h1 })
    expect(r1.blockNumber).toBeLessThanOrEqual(r2.blockNumber)
    expect(await client.getTransactionCount({ address: account.address })).toBe(start + 2)
    expect(await client.getTransactionCount({ address: account.address, blockNumber: r1.blockNumber - 1n })).toBe(start)
  })
})

describe('batches and browsers', () => {
  it('takes 50 signed transactions from one sender in one JSON-RPC batch, in nonce order', async () => {
    const account = devAccounts[7]
    const sink = freshAddress()
    const nonce = await client.getTransactionCount({ address: account.address, blockTag: 'pending' })
    const raws = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        account.signTransaction({
          type: 'eip1559',
          chainId: 31338,
          to: sink,
          value: BigInt(i + 1),
          nonce: nonce + i,
          gas: 21_000n,
          maxFeePerGas: parseGwei('20'),
          maxPriorityFeePerGas: parseGwei('1'),
        }),
      ),
    )
    const { body } = await postRaw(
      target.url,
      JSON.stringify(raws.map((raw, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_sendRawTransaction', params: [raw] }))),
    )
    expect(body).toHaveLength(50)
    const hashes = (body as { id: number; result?: Hex; error?: unknown }[]).sort((a, b) => a.id - b.id).map((r) => r.result ?? r.error)
    expect(hashes.every((h) => typeof h === 'string' && /^0x[0-9a-f]{64}$/.test(h))).toBe(true)
    const last = await client.waitForTransactionReceipt({ hash: hashes[49] as Hex, timeout: 20_000 })
    expect(last.status).toBe('success')
    expect(await client.getTransactionCount({ address: account.address })).toBe(nonce + 50)
    // 1 + 2 + … + 50 wei.
    expect(await client.getBalance({ address: sink })).toBe(1275n)
  })

  it("answers a browser wallet's CORS preflight and requests", async () => {
    const origin = 'http://localhost:5173'
    const pre = await fetch(target.url, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    })
    expect(pre.status).toBeLessThan(300)
    expect(['*', origin]).toContain(pre.headers.get('access-control-allow-origin'))
    expect(pre.headers.get('access-control-allow-methods') ?? '').toMatch(/POST|\*/i)
    expect(pre.headers.get('access-control-allow-headers') ?? '').toMatch(/content-type|\*/i)
    const res = await fetch(target.url, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    })
    expect(['*', origin]).toContain(res.headers.get('access-control-allow-origin'))
    expect((await res.json()).result).toBe('0x7a6a')
  })
})

describe('a contract', () => {
  const owner = devAccounts[3]
  let wallet: ReturnType<typeof walletHttp>
  let probe: Address
  let deployBlock: bigint
  let setReceipt: Awaited<ReturnType<typeof client.waitForTransactionReceipt>>
  const valueSet = toEventSelector('ValueSet(address,uint256,uint256)')
  const ping = toEventSelector('Ping(uint256,bytes32)')

  beforeAll(async () => {
    wallet = walletHttp(target.url, owner)
    const d = await deployProbe(client, wallet, 7n)
    probe = d.address
    deployBlock = d.receipt.blockNumber
  })

  it('is deployed: receipt.contractAddress holds the runtime code', async () => {
    expect(probe).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(await client.getCode({ address: probe })).toBe(probeContract().deployedBytecode)
    expect(await client.getCode({ address: probe, blockNumber: deployBlock - 1n })).toBeUndefined()
  })

  it('is called with readContract', async () => {
    expect(await client.readContract({ address: probe, abi, functionName: 'value' })).toBe(7n)
    expect(await client.readContract({ address: probe, abi, functionName: 'owner' })).toBe(owner.address)
    expect(await client.getStorageAt({ address: probe, slot: '0x0' })).toBe(pad(toHex(7n)))
  })

  it('is written with writeContract, and its event is in the receipt', async () => {
    const hash = await wallet.writeContract({ address: probe, abi, functionName: 'setValue', args: [99n] })
    setReceipt = await client.waitForTransactionReceipt({ hash, timeout: 20_000 })
    expect(setReceipt.status).toBe('success')
    expect(await client.readContract({ address: probe, abi, functionName: 'value' })).toBe(99n)
    expect(setReceipt.logs).toHaveLength(1)
    const log = setReceipt.logs[0]
    expect(log.address).toBe(probe.toLowerCase())
    expect(log.topics[0]).toBe(valueSet)
    const ev = decodeEventLog({ abi, ...log })
    expect(ev.eventName).toBe('ValueSet')
    expect(ev.args).toEqual({ by: owner.address, newValue: 99n, oldValue: 7n })
    expect(log.transactionHash).toBe(hash)
    expect(log.blockHash).toBe(setReceipt.blockHash)
    expect(log.blockNumber).toBe(setReceipt.blockNumber)
  })

  it('finds the event with getLogs by address, by topic and by blockHash', async () => {
    const n = setReceipt.blockNumber
    const byAddress = await client.getLogs({ address: probe, fromBlock: deployBlock, toBlock: n })
    expect(byAddress.map((l) => l.transactionHash)).toEqual([setReceipt.transactionHash])

    const byTopic = await client.getLogs({
      event: abi.find((x) => x.type === 'event' && x.name === 'ValueSet') as any,
      args: { by: owner.address },
      fromBlock: 0n,
      toBlock: 'latest',
    })
    expect(byTopic.map((l) => l.transactionHash)).toContain(setReceipt.transactionHash)
    expect(byTopic.every((l) => l.address === probe.toLowerCase())).toBe(true)

    // A topic that matches nothing.
    const none = await client.getLogs({
      address: probe,
      event: abi.find((x) => x.type === 'event' && x.name === 'ValueSet') as any,
      args: { by: devAccounts[8].address },
      fromBlock: 0n,
    })
    expect(none).toEqual([])

    const byHash = await rpcResult<any[]>(target.url, 'eth_getLogs', [{ blockHash: setReceipt.blockHash, topics: [valueSet] }])
    expect(byHash).toHaveLength(1)
    expect(byHash[0].transactionHash).toBe(setReceipt.transactionHash)
    expect(byHash[0].logIndex).toBe(numberToHex(setReceipt.logs[0].logIndex))
    expect(byHash[0].blockNumber).toBe(numberToHex(n))
  })

  it('emits several logs from one call with consecutive log indexes; topic OR filters them', async () => {
    const hash = await wallet.writeContract({ address: probe, abi, functionName: 'pingMany', args: [5n] })
    const r = await client.waitForTransactionReceipt({ hash, timeout: 20_000 })
    expect(r.logs).toHaveLength(5)
    const first = r.logs[0].logIndex
    expect(r.logs.map((l) => l.logIndex)).toEqual([0, 1, 2, 3, 4].map((i) => first + i))
    const all = await client.getLogs({ address: probe, fromBlock: r.blockNumber, toBlock: r.blockNumber })
    expect(all.map((l) => l.logIndex)).toEqual(r.logs.map((l) => l.logIndex))
    // topics[1] is the indexed `index`: 1 or 3.
    const either = await rpcResult<any[]>(target.url, 'eth_getLogs', [
      {
        address: probe,
        fromBlock: numberToHex(r.blockNumber),
        toBlock: numberToHex(r.blockNumber),
        topics: [ping, [pad(toHex(1n)), pad(toHex(3n))]],
      },
    ])
    expect(either.map((l) => BigInt(l.topics[1]))).toEqual([1n, 3n])
    expect(either[1].data).toBe(keccak256(pad(toHex(3n))))
  })

  it('pushes its event to watchContractEvent over WebSocket', async () => {
    const ws = publicWs(target.wsUrl)
    try {
      const got: Log[] = []
      let unwatch = () => {}
      const seen = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no event in 10 s; got ${got.length}`)), 10_000)
        unwatch = ws.watchContractEvent({
          address: probe,
          abi,
          eventName: 'ValueSet',
          onLogs: (logs) => {
            got.push(...(logs as Log[]))
            if (got.some((l: any) => l.args?.newValue === 123n)) {
              clearTimeout(timer)
              resolve()
            }
          },
          onError: reject,
        })
      })
      // Let the subscription register before the transaction.
      await new Promise((r) => setTimeout(r, 300))
      const hash = await wallet.writeContract({ address: probe, abi, functionName: 'setValue', args: [123n] })
      await seen
      unwatch()
      const log = got.find((l: any) => l.args?.newValue === 123n) as any
      expect(log.transactionHash).toBe(hash)
      expect(log.args.oldValue).toBe(99n)
      expect(log.address).toBe(probe.toLowerCase())
      await client.waitForTransactionReceipt({ hash, timeout: 20_000 })
    } finally {
      await closeWs(ws)
    }
  })

  it('is watched over HTTP with polling filters (eth_newFilter, eth_getFilterChanges)', async () => {
    const filter = await client.createContractEventFilter({ address: probe, abi, eventName: 'ValueSet' })
    const blocks = await client.createBlockFilter()
    const hash = await wallet.writeContract({ address: probe, abi, functionName: 'setValue', args: [321n] })
    const r = await client.waitForTransactionReceipt({ hash, timeout: 20_000 })
    const changes = (await client.getFilterChanges({ filter })) as any[]
    expect(changes.map((l) => l.transactionHash)).toEqual([hash])
    expect(changes[0].args.newValue).toBe(321n)
    // Drained: nothing new until the next event.
    expect(await client.getFilterChanges({ filter })).toEqual([])
    const blockHashes = await client.getFilterChanges({ filter: blocks })
    expect(blockHashes).toContain(r.blockHash)
    expect(await client.uninstallFilter({ filter })).toBe(true)
    expect(await client.uninstallFilter({ filter: blocks })).toBe(true)
    const gone = await rpc(target.url, 'eth_getFilterChanges', [filter.id])
    expect(gone.error?.message).toMatch(/filter not found/i)
  })

  it('pushes its logs to a raw eth_subscribe("logs") filtered by address and topic', async () => {
    const ws = await openWs(target.wsUrl)
    try {
      const sub = await ws.call('eth_subscribe', ['logs', { address: probe, topics: [ping] }])
      expect(sub.error).toBeUndefined()
      expect(sub.result).toMatch(/^0x[0-9a-f]+$/i)
      const hash = await wallet.writeContract({ address: probe, abi, functionName: 'pingMany', args: [2n] })
      // A ValueSet (other topic) must not be pushed.
      await wallet.writeContract({ address: probe, abi, functionName: 'setValue', args: [124n] })
      const notes = await ws.waitFor(sub.result, 2)
      expect(notes.map((n) => n.transactionHash)).toEqual([hash, hash])
      expect(notes.map((n) => n.topics[0])).toEqual([ping, ping])
      expect(notes.map((n) => BigInt(n.topics[1]))).toEqual([0n, 1n])
      expect(notes[0].address.toLowerCase()).toBe(probe.toLowerCase())
      expect(notes[0].removed).toBe(false)
      await new Promise((r) => setTimeout(r, 800))
      expect(ws.notifications(sub.result)).toHaveLength(2)
      const unsub = await ws.call('eth_unsubscribe', [sub.result])
      expect(unsub.result).toBe(true)
    } finally {
      ws.close()
    }
  })

  it('reverts: eth_call returns the reason string and the custom error', async () => {
    let err: unknown
    try {
      await client.readContract({ address: probe, abi, functionName: 'failWithReason' })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(BaseError)
    const reverted = (err as BaseError).walk((e) => e instanceof ContractFunctionRevertedError)
    expect(reverted).toBeInstanceOf(ContractFunctionRevertedError)
    expect((reverted as ContractFunctionRevertedError).reason).toBe('probe: refused')

    err = undefined
    try {
      await client.readContract({ address: probe, abi, functionName: 'failWithCustom', account: owner.address })
    } catch (e) {
      err = e
    }
    const custom = (err as BaseError).walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError
    expect(custom.data?.errorName).toBe('Unauthorized')
    expect(custom.data?.args).toEqual([owner.address, 42n])

    // On the wire, as geth: code 3, "execution reverted: <reason>", the revert data in `data`.
    const raw = await rpc(target.url, 'eth_call', [
      { to: probe, data: encodeFunctionData({ abi, functionName: 'failWithReason' }) },
      'latest',
    ])
    expect(raw.error?.code).toBe(3)
    expect(raw.error?.message).toBe('execution reverted: probe: refused')
    // Error(string) selector 0x08c379a0.
    expect(String(raw.error?.data)).toMatch(/^0x08c379a0/)
  })

  it('estimateGas of a reverting call errors with the reason', async () => {
    let err: unknown
    try {
      await client.estimateContractGas({
        address: probe,
        abi,
        functionName: 'setSmall',
        args: [1000n],
        account: owner.address,
      })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(BaseError)
    expect((err as BaseError).message).toContain('probe: too big')

    const raw = await rpc(target.url, 'eth_estimateGas', [
      {
        from: owner.address,
        to: probe,
        data: encodeFunctionData({ abi, functionName: 'setSmall', args: [1000n] }),
      },
    ])
    expect(raw.error?.code).toBe(3)
    expect(raw.error?.message).toBe('execution reverted: probe: too big')
    expect(String(raw.error?.data)).toMatch(/^0x08c379a0/)

    // The same call with a small value estimates fine.
    const gas = await client.estimateContractGas({
      address: probe,
      abi,
      functionName: 'setSmall',
      args: [5n],
      account: owner.address,
    })
    expect(gas).toBeGreaterThan(21_000n)
    expect(gas).toBeLessThan(100_000n)
  })

  it('eth_call at a past block sees the state of that block', async () => {
    const at = (blockNumber: bigint) => client.readContract({ address: probe, abi, functionName: 'value', blockNumber })
    expect(await at(deployBlock)).toBe(7n)
    expect(await at(setReceipt.blockNumber - 1n)).toBe(7n)
    expect(await at(setReceipt.blockNumber)).toBe(99n)
    const raw = await rpc(target.url, 'eth_call', [
      { to: probe, data: encodeFunctionData({ abi, functionName: 'value' }) },
      { blockHash: setReceipt.blockHash },
    ])
    expect(BigInt(raw.result)).toBe(99n)
  })

  it('eth_call with a state override sees the overridden storage, balance and code', async () => {
    const value = await client.readContract({
      address: probe,
      abi,
      functionName: 'value',
      stateOverride: [{ address: probe, stateDiff: [{ slot: zeroHash, value: pad(toHex(1234n)) }] }],
    })
    expect(value).toBe(1234n)
    // stateDiff patches one slot: `owner` (slot 1) is kept.
    expect(
      await client.readContract({
        address: probe,
        abi,
        functionName: 'owner',
        stateOverride: [{ address: probe, stateDiff: [{ slot: zeroHash, value: pad(toHex(1n)) }] }],
      }),
    ).toBe(owner.address)
    // `state` replaces the whole storage: owner reads as zero.
    expect(
      await client.readContract({
        address: probe,
        abi,
        functionName: 'owner',
        stateOverride: [{ address: probe, state: [{ slot: zeroHash, value: pad(toHex(1n)) }] }],
      }),
    ).toBe('0x0000000000000000000000000000000000000000')

    const caller = freshAddress()
    expect(
      await client.readContract({
        address: probe,
        abi,
        functionName: 'balanceOfCaller',
        account: caller,
        stateOverride: [{ address: caller, balance: 777n }],
      }),
    ).toBe(777n)

    // Code override: Probe's runtime code at a fresh address answers `value` from its storage.
    const elsewhere = freshAddress()
    expect(
      await client.readContract({
        address: elsewhere,
        abi,
        functionName: 'value',
        stateOverride: [
          {
            address: elsewhere,
            code: probeContract().deployedBytecode,
            stateDiff: [{ slot: zeroHash, value: pad(toHex(55n)) }],
          },
        ],
      }),
    ).toBe(55n)
    // Nothing of it stuck.
    expect(await client.readContract({ address: probe, abi, functionName: 'value' })).not.toBe(1234n)
    expect(await client.getBalance({ address: caller })).toBe(0n)
  })

  it('eth_getProof verifies against the block state root, for an account and a storage slot', async () => {
    const blockNumber = await client.getBlockNumber()
    const block = await client.getBlock({ blockNumber })
    const stateRoot = hexToBytes(block.stateRoot)
    const slot = zeroHash
    const proof = await client.getProof({ address: probe, storageKeys: [slot], blockNumber })

    const accountRlp = await verifyMerkleProof(
      hexToBytes(probe),
      proof.accountProof.map((p) => hexToBytes(p)),
      { root: stateRoot, useKeyHashing: true },
    )
    expect(accountRlp).not.toBeNull()
    const [nonce, balance, storageRoot, codeHash] = RLP.decode(accountRlp!) as Uint8Array[]
    expect(rlpInt(nonce)).toBe(BigInt(proof.nonce))
    expect(rlpInt(balance)).toBe(proof.balance)
    expect(bytesToHex(storageRoot)).toBe(proof.storageHash)
    expect(bytesToHex(codeHash)).toBe(proof.codeHash)
    expect(proof.codeHash).toBe(keccak256(probeContract().deployedBytecode))
    // A contract created by CREATE starts at nonce 1 (EIP-161).
    expect(BigInt(proof.nonce)).toBe(1n)

    const stored = await client.getStorageAt({ address: probe, slot, blockNumber })
    const slotRlp = await verifyMerkleProof(
      hexToBytes(slot),
      proof.storageProof[0].proof.map((p) => hexToBytes(p)),
      { root: hexToBytes(proof.storageHash), useKeyHashing: true },
    )
    expect(slotRlp).not.toBeNull()
    expect(rlpInt(RLP.decode(slotRlp!) as Uint8Array)).toBe(BigInt(stored!))
    expect(proof.storageProof[0].value).toBe(BigInt(stored!))
    expect(proof.storageProof[0].key).toBe(slot)

    // The same proof does not verify against another root.
    const other = await client.getBlock({ blockNumber: deployBlock - 1n })
    await expect(
      verifyMerkleProof(
        hexToBytes(probe),
        proof.accountProof.map((p) => hexToBytes(p)),
        {
          root: hexToBytes(other.stateRoot),
          useKeyHashing: true,
        },
      ),
    ).rejects.toThrow()
  })

  it('eth_getProof of an EOA and of an absent account', async () => {
    const block = await client.getBlock()
    const stateRoot = hexToBytes(block.stateRoot)
    const eoa = devAccounts[9].address
    const proof = await client.getProof({ address: eoa, storageKeys: [], blockNumber: block.number })
    const rlp = await verifyMerkleProof(
      hexToBytes(eoa),
      proof.accountProof.map((p) => hexToBytes(p)),
      {
        root: stateRoot,
        useKeyHashing: true,
      },
    )
    const [nonce, balance] = RLP.decode(rlp!) as Uint8Array[]
    expect(rlpInt(nonce)).toBe(0n)
    expect(rlpInt(balance)).toBe(devBalance)
    expect(proof.balance).toBe(devBalance)
    // keccak256 of the empty string: no code.
    expect(proof.codeHash).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')

    const absent = freshAddress()
    const none = await client.getProof({ address: absent, storageKeys: [], blockNumber: block.number })
    expect(none.balance).toBe(0n)
    const v = await verifyMerkleProof(
      hexToBytes(absent),
      none.accountProof.map((p) => hexToBytes(p)),
      {
        root: stateRoot,
        useKeyHashing: true,
      },
    )
    expect(v).toBeNull()
  })
})

describe('subscriptions', () => {
  it('watchBlocks over WebSocket sees consecutive blocks', async () => {
    const ws = publicWs(target.wsUrl)
    const busy = keepBusy(4)
    try {
      const blocks: { number: bigint; hash: Hex; parentHash: Hex }[] = []
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${blocks.length} blocks in 15 s`)), 15_000)
        const unwatch = ws.watchBlocks({
          onBlock: (b) => {
            blocks.push({ number: b.number!, hash: b.hash!, parentHash: b.parentHash })
            if (blocks.length >= 4) {
              clearTimeout(timer)
              unwatch()
              resolve()
            }
          },
          onError: reject,
        })
      })
      for (let i = 1; i < blocks.length; i++) {
        expect(blocks[i].number).toBe(blocks[i - 1].number + 1n)
        expect(blocks[i].parentHash).toBe(blocks[i - 1].hash)
      }
      const b = await client.getBlock({ blockNumber: blocks[3].number })
      expect(b.hash).toBe(blocks[3].hash)
    } finally {
      await busy.stop()
      await closeWs(ws)
    }
  })

  it('pushes newHeads and newPendingTransactions on a raw eth_subscribe', async () => {
    const ws = await openWs(target.wsUrl)
    try {
      const heads = await ws.call('eth_subscribe', ['newHeads'])
      const pending = await ws.call('eth_subscribe', ['newPendingTransactions'])
      expect(heads.result).toMatch(/^0x[0-9a-f]+$/i)
      expect(pending.result).toMatch(/^0x[0-9a-f]+$/i)
      expect(pending.result).not.toBe(heads.result)
      const wallet = walletHttp(target.url, devAccounts[5])
      const hash = await wallet.sendTransaction({ to: freshAddress(), value: 1n })
      const notes = await ws.waitFor(pending.result, 1)
      expect(notes).toContain(hash)
      const r = await client.waitForTransactionReceipt({ hash, timeout: 20_000 })
      await new Promise((res) => setTimeout(res, 300))
      const seen = ws.notifications(heads.result)
      const head = seen.find((h) => BigInt(h.number) === r.blockNumber)
      expect(head).toBeDefined()
      expect(head.hash).toBe(r.blockHash)
      expect(head.stateRoot).toMatch(/^0x[0-9a-f]{64}$/)
      expect(head.parentHash).toMatch(/^0x[0-9a-f]{64}$/)
    } finally {
      ws.close()
    }
  })
})

describe('fees', () => {
  it('eth_gasPrice, eth_maxPriorityFeePerGas and eth_feeHistory have the geth shape', async () => {
    const latest = await client.getBlock()
    const gasPrice = await client.getGasPrice()
    expect(gasPrice).toBeGreaterThan(0n)
    expect(gasPrice).toBeGreaterThanOrEqual(latest.baseFeePerGas ?? 0n)
    const tip = await rpcResult<Hex>(target.url, 'eth_maxPriorityFeePerGas')
    expect(tip).toMatch(/^0x([1-9a-f][0-9a-f]*|0)$/)
    expect(BigInt(tip)).toBeLessThanOrEqual(parseGwei('100'))

    expect(latest.number).toBeGreaterThan(3n)
    const history = await client.getFeeHistory({
      blockCount: 4,
      blockNumber: latest.number!,
      rewardPercentiles: [25, 75],
    })
    expect(history.oldestBlock).toBe(latest.number! - 3n)
    expect(history.baseFeePerGas).toHaveLength(5)
    expect(history.gasUsedRatio).toHaveLength(4)
    expect(history.reward).toHaveLength(4)
    for (const r of history.reward!) expect(r).toHaveLength(2)
    for (const x of history.gasUsedRatio) {
      expect(x).toBeGreaterThanOrEqual(0)
      expect(x).toBeLessThanOrEqual(1)
    }
    // The first base fee is that of the oldest block.
    const oldest = await client.getBlock({ blockNumber: history.oldestBlock })
    expect(history.baseFeePerGas[0]).toBe(oldest.baseFeePerGas)

    const raw = await rpc(target.url, 'eth_feeHistory', ['0x2', 'latest', []])
    expect(raw.result.oldestBlock).toMatch(/^0x/)
    expect(raw.result.baseFeePerGas).toHaveLength(3)
  })
})

describe('blocks and transactions', () => {
  let hash: Hex
  let receipt: Awaited<ReturnType<typeof client.waitForTransactionReceipt>>
  const sender = devAccounts[6]
  const to = freshAddress()

  beforeAll(async () => {
    const wallet = walletHttp(target.url, sender)
    hash = await wallet.sendTransaction({
      to,
      value: 12345n,
      data: '0xc0ffee',
      // Explicit, so these tests do not hang on eth_estimateGas (tested in 'transfers').
      gas: 30_000n,
      maxFeePerGas: parseGwei('50'),
      maxPriorityFeePerGas: parseGwei('2'),
    })
    receipt = await client.waitForTransactionReceipt({ hash, timeout: 20_000 })
  })

  it('gets a block by number and by hash, with full transactions', async () => {
    const byNumber = await client.getBlock({ blockNumber: receipt.blockNumber, includeTransactions: true })
    const byHash = await client.getBlock({ blockHash: receipt.blockHash, includeTransactions: true })
    expect(byHash).toEqual(byNumber)
    expect(byNumber.hash).toBe(receipt.blockHash)
    expect(byNumber.number).toBe(receipt.blockNumber)
    const tx = byNumber.transactions[receipt.transactionIndex]
    expect(tx.hash).toBe(hash)
    expect(tx.from).toBe(sender.address.toLowerCase())
    expect(tx.blockHash).toBe(receipt.blockHash)
    expect(byNumber.gasUsed).toBeGreaterThanOrEqual(receipt.gasUsed)
    expect(byNumber.timestamp).toBeGreaterThan(0n)
    const parent = await client.getBlock({ blockNumber: receipt.blockNumber - 1n })
    expect(byNumber.parentHash).toBe(parent.hash)
    expect(byNumber.timestamp).toBeGreaterThanOrEqual(parent.timestamp)
    expect(await client.getBlockTransactionCount({ blockNumber: receipt.blockNumber })).toBe(byNumber.transactions.length)
    // Unknown hash and a future number: null on the wire.
    expect((await rpc(target.url, 'eth_getBlockByHash', [zeroHash, false])).result).toBeNull()
    expect((await rpc(target.url, 'eth_getBlockByNumber', ['0xffffffff', false])).result).toBeNull()
  })

  it('gets blocks by tag: earliest, latest, safe, finalized, pending', async () => {
    const earliest = await client.getBlock({ blockTag: 'earliest' })
    expect(earliest.number).toBe(0n)
    expect(earliest.parentHash).toBe(zeroHash)
    expect(earliest.hash).toBe((await client.getBlock({ blockNumber: 0n })).hash)

    const latest = await client.getBlock({ blockTag: 'latest' })
    expect(latest.number).toBeGreaterThanOrEqual(receipt.blockNumber)

    // SPEC 5: with no L1 commitment yet, safe and finalized are the genesis block.
    const safe = await client.getBlock({ blockTag: 'safe' })
    const finalized = await client.getBlock({ blockTag: 'finalized' })
    expect(safe.hash).toBe(earliest.hash)
    expect(finalized.hash).toBe(earliest.hash)

    const pending = await client.getBlock({ blockTag: 'pending' })
    expect(pending.number).toBeGreaterThan(latest.number! - 1n)
    expect(pending.number).toBeLessThanOrEqual((await client.getBlockNumber()) + 1n)
  })

  it('eth_getTransactionByHash returns the fields that were signed', async () => {
    const tx = await client.getTransaction({ hash })
    expect(tx.hash).toBe(hash)
    expect(tx.type).toBe('eip1559')
    expect(tx.from).toBe(sender.address.toLowerCase())
    expect(tx.to).toBe(to.toLowerCase())
    expect(tx.value).toBe(12345n)
    expect(tx.input).toBe('0xc0ffee')
    expect(tx.maxFeePerGas).toBe(parseGwei('50'))
    expect(tx.maxPriorityFeePerGas).toBe(parseGwei('2'))
    expect(tx.chainId).toBe(31338)
    expect(tx.blockHash).toBe(receipt.blockHash)
    expect(tx.blockNumber).toBe(receipt.blockNumber)
    expect(tx.transactionIndex).toBe(receipt.transactionIndex)
    expect(tx.gas).toBe(30_000n)
    expect([0, 1]).toContain(tx.yParity)
    expect(tx.r).toMatch(/^0x[0-9a-f]+$/)
    expect(tx.s).toMatch(/^0x[0-9a-f]+$/)
    // The raw fields hash back to the transaction hash.
    const raw = await rpcResult<any>(target.url, 'eth_getTransactionByHash', [hash])
    expect(raw.gasPrice).toBe(numberToHex(receipt.effectiveGasPrice))
    expect(raw.accessList).toEqual([])

    const r = await rpcResult<any>(target.url, 'eth_getTransactionReceipt', [hash])
    expect(r.status).toBe('0x1')
    expect(r.type).toBe('0x2')
    // Prague (EIP-7623): max(21,000 + 16 per non-zero byte, 21,000 + 10 per token), where a
    // non-zero byte is 4 tokens: max(21,048, 21,120) for 3 non-zero bytes.
    expect(r.gasUsed).toBe(numberToHex(21_120n))

    expect((await rpc(target.url, 'eth_getTransactionByHash', [keccak256('0x01')])).result).toBeNull()
    expect((await rpc(target.url, 'eth_getTransactionReceipt', [keccak256('0x01')])).result).toBeNull()
  })
})
