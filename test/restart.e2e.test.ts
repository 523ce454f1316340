/**
 * Persistence of the node (SPEC 1, issue 2), node only: a SIGTERM/SIGINT restart keeps blocks,
 * receipts, logs and state; a `kill -9` during a stream of transactions loses no transaction
 * whose receipt was returned, and the chain continues.
 */
import { verifyMerkleProof } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { type Address, bytesToBigInt, type Hex, hexToBytes, parseGwei, type TransactionReceipt } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, it } from 'vitest'
import { devAccounts, publicHttp, walletHttp } from './support/clients.ts'
import { type NodeInstance, startNode } from './support/node.ts'
import { deployProbe, probeContract } from './support/probe.ts'
import { openWs, postRaw, rpcResult } from './support/rpc.ts'

const { abi } = probeContract()

let node: NodeInstance | undefined

afterEach(async () => {
  await node?.dispose()
  node = undefined
})

/** Checks that the state the node serves at `blockNumber` is the state committed in its header. */
async function expectStateMatchesRoot(client: ReturnType<typeof publicHttp>, blockNumber: bigint, address: Address): Promise<void> {
  const block = await client.getBlock({ blockNumber })
  const proof = await client.getProof({ address, storageKeys: [], blockNumber })
  const rlp = await verifyMerkleProof(
    hexToBytes(address),
    proof.accountProof.map((p) => hexToBytes(p)),
    { root: hexToBytes(block.stateRoot), useKeyHashing: true },
  )
  expect(rlp, `account ${address} proven at block ${blockNumber}`).not.toBeNull()
  const [nonce, balance] = RLP.decode(rlp!) as Uint8Array[]
  const asInt = (b: Uint8Array) => (b.length === 0 ? 0n : bytesToBigInt(b))
  expect(asInt(balance)).toBe(await client.getBalance({ address, blockNumber }))
  expect(asInt(nonce)).toBe(BigInt(await client.getTransactionCount({ address, blockNumber })))
}

/** Polls for a receipt every 50 ms; undefined once `isStopped()` says to give up. */
async function pollReceipt(
  client: ReturnType<typeof publicHttp>,
  hash: Hex,
  isStopped: () => boolean,
): Promise<TransactionReceipt | undefined> {
  while (!isStopped()) {
    try {
      return await client.getTransactionReceipt({ hash })
    } catch {
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return undefined
}

describe('restart with SIGTERM and SIGINT', () => {
  // Three starts of the node: allow for a slow start on a loaded machine.
  it('keeps blocks, receipts, logs and state, then continues', { timeout: 180_000 }, async () => {
    node = await startNode()
    const client = publicHttp(node.url)
    const owner = devAccounts[0]
    const wallet = walletHttp(node.url, owner)

    // Heads as announced: the node announces a block only once it is on disk.
    const ws = await openWs(node.wsUrl)
    const sub = (await ws.call('eth_subscribe', ['newHeads'])).result as string

    const { address: probe, receipt: deployReceipt } = await deployProbe(client, wallet, 7n)
    const setHash = await wallet.writeContract({ address: probe, abi, functionName: 'setValue', args: [42n] })
    const setReceipt = await client.waitForTransactionReceipt({ hash: setHash })
    const recipient = privateKeyToAccount(generatePrivateKey()).address
    const transfers: Hex[] = []
    for (const type of ['legacy', 'eip2930', 'eip1559'] as const) {
      transfers.push(await wallet.sendTransaction({ to: recipient, value: 1000n, type }))
    }
    const transferReceipts = await Promise.all(transfers.map((hash) => client.waitForTransactionReceipt({ hash })))
    const receipts = [deployReceipt, setReceipt, ...transferReceipts]
    const txs = await Promise.all(receipts.map((r) => client.getTransaction({ hash: r.transactionHash })))
    const logs = await client.getLogs({ address: probe, fromBlock: 0n })
    expect(logs).toHaveLength(1)

    const before = await client.getBlock()
    const balances = await Promise.all([owner.address, recipient, probe].map((address) => client.getBalance({ address })))
    const nonce = await client.getTransactionCount({ address: owner.address })
    await new Promise((r) => setTimeout(r, 300))
    const announced = ws.notifications(sub).map((h) => ({ number: BigInt(h.number), hash: h.hash as Hex }))
    ws.close()
    expect(announced.length).toBeGreaterThan(0)

    const status = await node.stop('SIGTERM')
    expect(status, node.output()).toEqual({ code: 0, signal: null })
    await node.restart()

    // Resumes at the head it had (or one it committed while stopping), never below.
    const head = await client.getBlock()
    const lastAnnounced = announced[announced.length - 1]
    expect(head.number).toBeGreaterThanOrEqual(lastAnnounced.number)
    expect(head.number).toBeGreaterThanOrEqual(before.number!)
    for (const h of announced) {
      expect((await client.getBlock({ blockNumber: h.number })).hash, `block ${h.number}`).toBe(h.hash)
    }
    const same = await client.getBlock({ blockNumber: before.number! })
    expect(same.hash).toBe(before.hash)
    expect(same.stateRoot).toBe(before.stateRoot)
    await expectStateMatchesRoot(client, head.number!, owner.address)
    await expectStateMatchesRoot(client, head.number!, probe)

    // Receipts and transactions by hash, logs, state.
    for (const r of receipts) {
      expect(await client.getTransactionReceipt({ hash: r.transactionHash })).toEqual(r)
    }
    for (const tx of txs) expect(await client.getTransaction({ hash: tx.hash })).toEqual(tx)
    expect(await client.getLogs({ address: probe, fromBlock: 0n })).toEqual(logs)
    expect(await Promise.all([owner.address, recipient, probe].map((address) => client.getBalance({ address })))).toEqual(balances)
    expect(await client.getTransactionCount({ address: owner.address })).toBe(nonce)
    expect(await client.readContract({ address: probe, abi, functionName: 'value' })).toBe(42n)
    expect(await client.getCode({ address: probe })).toBe(probeContract().deployedBytecode)
    expect(await client.readContract({ address: probe, abi, functionName: 'value', blockNumber: setReceipt.blockNumber - 1n })).toBe(7n)

    // The chain continues on top of what it had.
    const next = await wallet.writeContract({ address: probe, abi, functionName: 'setValue', args: [43n] })
    const nextReceipt = await client.waitForTransactionReceipt({ hash: next })
    expect(nextReceipt.status).toBe('success')
    expect(nextReceipt.blockNumber).toBeGreaterThan(head.number!)
    const nextBlock = await client.getBlock({ blockNumber: nextReceipt.blockNumber })
    const parent = await client.getBlock({ blockNumber: nextReceipt.blockNumber - 1n })
    expect(nextBlock.parentHash).toBe(parent.hash)

    // SIGINT is as graceful.
    const afterSecond = await client.getBlock({ blockNumber: nextReceipt.blockNumber })
    expect(await node.stop('SIGINT'), node.output()).toEqual({ code: 0, signal: null })
    await node.restart()
    expect(await client.getTransactionReceipt({ hash: next })).toEqual(nextReceipt)
    expect((await client.getBlock({ blockNumber: afterSecond.number! })).stateRoot).toBe(afterSecond.stateRoot)
    expect(await client.readContract({ address: probe, abi, functionName: 'value' })).toBe(43n)
  })
})

describe('kill -9 during a stream of transactions', () => {
  it('loses no receipted transaction, keeps the state root, and the chain continues', { timeout: 180_000 }, async () => {
    node = await startNode()
    const client = publicHttp(node.url)
    const senders = devAccounts.slice(1, 5)
    const sink = privateKeyToAccount(generatePrivateKey()).address
    // Transfers of 1 wei to the sink known to be mined, over all rounds.
    let toSink = 0n

    for (let round = 0; round < 2; round++) {
      const receipted: TransactionReceipt[] = []
      let stopped = false
      // Each sender sends one transfer at a time and waits for its receipt before the next.
      const streams = senders.map(async (account) => {
        const wallet = walletHttp(node!.url, account)
        let nonce = await client.getTransactionCount({ address: account.address, blockTag: 'pending' })
        while (!stopped) {
          let hash: Hex
          try {
            hash = await wallet.sendTransaction({
              to: sink,
              value: 1n,
              nonce,
              gas: 21_000n,
              maxFeePerGas: parseGwei('20'),
              maxPriorityFeePerGas: parseGwei('1'),
            })
          } catch {
            return // the node is gone
          }
          nonce++
          const r = await pollReceipt(client, hash, () => stopped)
          if (r) receipted.push(r)
        }
      })
      // And one sender posting batches of 20 signed transfers: blocks full enough that the kill
      // is likely to land while one is being written.
      const batcher = devAccounts[6]
      streams.push(
        (async () => {
          let nonce = await client.getTransactionCount({ address: batcher.address, blockTag: 'pending' })
          while (!stopped) {
            const raws = await Promise.all(
              Array.from({ length: 20 }, (_, i) =>
                batcher.signTransaction({
                  type: 'eip1559',
                  chainId: 31338,
                  to: sink,
                  value: 1n,
                  nonce: nonce + i,
                  gas: 21_000n,
                  maxFeePerGas: parseGwei('20'),
                  maxPriorityFeePerGas: parseGwei('1'),
                }),
              ),
            )
            let body: { result?: Hex }[]
            try {
              body = (
                await postRaw(
                  node!.url,
                  JSON.stringify(raws.map((raw, id) => ({ jsonrpc: '2.0', id, method: 'eth_sendRawTransaction', params: [raw] }))),
                )
              ).body
            } catch {
              return // the node is gone
            }
            nonce += 20
            const hashes = (Array.isArray(body) ? body : []).flatMap((r) => (r.result ? [r.result] : []))
            const rs = await Promise.all(hashes.map((h) => pollReceipt(client, h, () => stopped)))
            for (const r of rs) if (r) receipted.push(r)
          }
        })(),
      )
      // Once receipts flow (at least 5), kill at a random moment within the next second,
      // without warning.
      const flowing = Date.now() + 30_000
      while (receipted.length < 5 && Date.now() < flowing) await new Promise((r) => setTimeout(r, 50))
      await new Promise((r) => setTimeout(r, Math.random() * 1000))
      const status = await node.kill9()
      stopped = true
      await Promise.all(streams)
      expect(status.signal).toBe('SIGKILL')
      expect(receipted.length, `round ${round}: receipts within 30 s\n${node.output().slice(-3000)}`).toBeGreaterThanOrEqual(5)
      const lastBlockBeforeKill = receipted.reduce((m, r) => (r.blockNumber > m ? r.blockNumber : m), 0n)

      await node.restart()
      const head = await client.getBlock()
      expect(head.number).toBeGreaterThanOrEqual(lastBlockBeforeKill)
      for (const r of receipted) {
        const again = await client.getTransactionReceipt({ hash: r.transactionHash })
        expect(again.blockNumber, r.transactionHash).toBe(r.blockNumber)
        expect(again.blockHash, r.transactionHash).toBe(r.blockHash)
        expect(again, r.transactionHash).toEqual(r)
        expect(r.blockNumber).toBeLessThanOrEqual(head.number!)
        const block = await client.getBlock({ blockNumber: r.blockNumber })
        expect(block.hash).toBe(r.blockHash)
        expect(block.transactions).toContain(r.transactionHash)
      }
      // Every sender's nonce covers its receipted transactions.
      for (const account of [...senders, batcher]) {
        const mine = receipted.filter((r) => r.from === account.address.toLowerCase())
        const count = await client.getTransactionCount({ address: account.address })
        expect(count).toBeGreaterThanOrEqual(mine.length)
      }
      await expectStateMatchesRoot(client, head.number!, senders[0].address)
      await expectStateMatchesRoot(client, head.number!, sink)
      // The sink holds at least one wei per transfer known to be mined.
      toSink += BigInt(receipted.length)
      const sinkBalance = await client.getBalance({ address: sink, blockNumber: head.number! })
      expect(sinkBalance).toBeGreaterThanOrEqual(toSink)

      // The chain continues.
      const wallet = walletHttp(node.url, devAccounts[5])
      const hash = await wallet.sendTransaction({ to: sink, value: 1n })
      const r = await client.waitForTransactionReceipt({ hash })
      expect(r.status).toBe('success')
      expect(r.blockNumber).toBeGreaterThan(head.number!)
      toSink += 1n
      expect(await rpcResult(node.url, 'eth_chainId')).toBe('0x7a6a')
    }
  })
})
