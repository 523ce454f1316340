import { createBlock } from '@ethereumjs/block'
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common'
import { createTxFromRLP } from '@ethereumjs/tx'
import { bytesToHex } from '@ethereumjs/util'
import { type Hex, hexToBigInt, keccak256, serializeTransaction, type TransactionSerializable } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import type { StoredReceipt } from '../state/types.ts'
import { formatBlock, formatHeader, formatLog, formatReceipt, formatTransaction, quantity } from './format.ts'

const common = createCustomCommon({ chainId: 31338 }, Mainnet, { hardfork: Hardfork.Prague })
const account = privateKeyToAccount(`0x${'42'.repeat(32)}`)
const TO = `0x${'42'.repeat(20)}` as Hex
const KEY = `0x${'01'.repeat(32)}` as Hex

async function signed(tx: Partial<TransactionSerializable>) {
  const raw = await account.signTransaction({ chainId: 31338, to: TO, nonce: 3, gas: 50_000n, value: 7n, data: '0x1234', ...tx } as never)
  return { raw, tx: createTxFromRLP(Buffer.from(raw.slice(2), 'hex'), { common }) }
}

/** Rebuilds the signed transaction from the formatted JSON: every field must be right. */
function reserialize(j: any): Hex {
  const base = {
    chainId: j.chainId ? Number(hexToBigInt(j.chainId)) : undefined,
    nonce: Number(hexToBigInt(j.nonce)),
    gas: hexToBigInt(j.gas),
    to: j.to,
    value: hexToBigInt(j.value),
    data: j.input,
  }
  const sig = { r: j.r, s: j.s, v: hexToBigInt(j.v), yParity: j.yParity ? Number(hexToBigInt(j.yParity)) : undefined }
  if (j.type === '0x0') return serializeTransaction({ ...base, type: 'legacy', gasPrice: hexToBigInt(j.gasPrice) }, sig as never)
  if (j.type === '0x1') {
    return serializeTransaction(
      { ...base, type: 'eip2930', gasPrice: hexToBigInt(j.gasPrice), accessList: j.accessList } as never,
      sig as never,
    )
  }
  return serializeTransaction(
    {
      ...base,
      type: 'eip1559',
      maxFeePerGas: hexToBigInt(j.maxFeePerGas),
      maxPriorityFeePerGas: hexToBigInt(j.maxPriorityFeePerGas),
      accessList: j.accessList,
    } as never,
    sig as never,
  )
}

describe('formatTransaction', () => {
  it('prints a legacy EIP-155 transaction geth-shaped, chainId from v', async () => {
    const { raw, tx } = await signed({ type: 'legacy', gasPrice: 5_000_000_000n })
    const j = formatTransaction(tx) as any
    expect(j).toMatchObject({
      blockHash: null,
      blockNumber: null,
      transactionIndex: null,
      from: account.address.toLowerCase(),
      to: TO,
      type: '0x0',
      nonce: '0x3',
      gas: '0xc350',
      gasPrice: '0x12a05f200',
      value: '0x7',
      input: '0x1234',
      chainId: '0x7a6a',
    })
    expect(j.v).toMatch(/^0xf4f[78]$/) // 31338 * 2 + 35 or 36
    expect(j.yParity).toBeUndefined()
    expect(j.accessList).toBeUndefined()
    expect(j.hash).toBe(keccak256(raw))
    expect(reserialize(j)).toBe(raw)
  })

  it('prints an EIP-2930 transaction with its access list and yParity', async () => {
    const { raw, tx } = await signed({ type: 'eip2930', gasPrice: 1n, accessList: [{ address: TO, storageKeys: [KEY] }] })
    const j = formatTransaction(tx) as any
    expect(j).toMatchObject({ type: '0x1', chainId: '0x7a6a', accessList: [{ address: TO, storageKeys: [KEY] }] })
    expect(j.yParity).toBe(j.v)
    expect(reserialize(j)).toBe(raw)
  })

  it('prints an EIP-1559 transaction: gasPrice is maxFee when pending, the effective price when mined', async () => {
    const { raw, tx } = await signed({ type: 'eip1559', maxFeePerGas: 10n, maxPriorityFeePerGas: 3n })
    const pending = formatTransaction(tx) as any
    expect(pending).toMatchObject({ type: '0x2', gasPrice: '0xa', maxFeePerGas: '0xa', maxPriorityFeePerGas: '0x3', accessList: [] })
    expect(reserialize(pending)).toBe(raw)
    const at = { blockHash: `0x${'11'.repeat(32)}` as Hex, blockNumber: 9n, transactionIndex: 2 }
    expect(formatTransaction(tx, { ...at, baseFeePerGas: 5n })).toMatchObject({
      gasPrice: '0x8', // 5 + min(3, 10 - 5)
      blockNumber: '0x9',
      transactionIndex: '0x2',
      blockHash: at.blockHash,
    })
    expect(formatTransaction(tx, { ...at, baseFeePerGas: 9n }).gasPrice).toBe('0xa') // capped by maxFee
  })

  it('prints an EIP-7702 transaction with its authorization list', async () => {
    const auth = await account.signAuthorization({ chainId: 31338, address: TO, nonce: 4 })
    const { raw, tx } = await signed({
      type: 'eip7702',
      maxFeePerGas: 10n,
      maxPriorityFeePerGas: 3n,
      authorizationList: [auth],
    } as never)
    const j = formatTransaction(tx) as any
    expect(j).toMatchObject({ type: '0x4', chainId: '0x7a6a', hash: keccak256(raw) })
    expect(j.authorizationList).toEqual([
      {
        chainId: '0x7a6a',
        address: TO,
        nonce: '0x4',
        yParity: quantity(auth.yParity ?? 0),
        r: quantity(hexToBigInt(auth.r)),
        s: quantity(hexToBigInt(auth.s)),
      },
    ])
  })

  it('prints a contract creation with to: null', async () => {
    const { tx } = await signed({ type: 'eip1559', to: undefined, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n } as never)
    expect(formatTransaction(tx).to).toBe(null)
  })
})

describe('formatBlock and formatHeader', () => {
  it('prints a block with hashes or full transactions, size and the post-merge fields', async () => {
    const { tx } = await signed({ type: 'eip1559', maxFeePerGas: 10n, maxPriorityFeePerGas: 3n })
    const block = createBlock(
      { header: { number: 5n, gasLimit: 30_000_000n, gasUsed: 21_000n, timestamp: 1_700_000_000n, baseFeePerGas: 7n }, transactions: [tx] },
      { common },
    )
    const hashes = formatBlock(block, false) as any
    expect(hashes).toMatchObject({
      number: '0x5',
      hash: bytesToHex(block.hash()),
      gasLimit: '0x1c9c380',
      gasUsed: '0x5208',
      timestamp: '0x6553f100',
      baseFeePerGas: '0x7',
      difficulty: '0x0',
      totalDifficulty: '0x0',
      size: quantity(block.serialize().length),
      uncles: [],
      withdrawals: [],
      transactions: [bytesToHex(tx.hash())],
      blobGasUsed: '0x0',
      excessBlobGas: '0x0',
      nonce: '0x0000000000000000',
    })
    for (const k of [
      'parentHash',
      'stateRoot',
      'receiptsRoot',
      'transactionsRoot',
      'sha3Uncles',
      'mixHash',
      'withdrawalsRoot',
      'parentBeaconBlockRoot',
      'requestsHash',
    ]) {
      expect(hashes[k], k).toMatch(/^0x[0-9a-f]{64}$/)
    }
    expect(hashes.logsBloom).toMatch(/^0x[0-9a-f]{512}$/)
    expect(hashes.miner).toMatch(/^0x[0-9a-f]{40}$/)
    const full = formatBlock(block, true) as any
    expect(full.transactions[0]).toMatchObject({
      hash: bytesToHex(tx.hash()),
      blockNumber: '0x5',
      transactionIndex: '0x0',
      gasPrice: '0xa',
    })
    const header = formatHeader(block.header)
    expect(header).not.toHaveProperty('transactions')
    expect(header).not.toHaveProperty('size')
    expect(header.hash).toBe(hashes.hash)
  })
})

describe('formatReceipt and formatLog', () => {
  it('prints quantities as minimal hex and logs with removed: false', () => {
    const h = (b: string) => `0x${b.repeat(32)}` as Hex
    const r: StoredReceipt = {
      transactionHash: h('aa'),
      transactionIndex: 0,
      blockHash: h('bb'),
      blockNumber: 16n,
      from: TO,
      to: null,
      contractAddress: TO,
      cumulativeGasUsed: 21_000n,
      gasUsed: 21_000n,
      effectiveGasPrice: 1_000_000_000n,
      status: 0,
      logs: [
        {
          address: TO,
          topics: [h('cc')],
          data: '0x',
          blockNumber: 16n,
          blockHash: h('bb'),
          transactionHash: h('aa'),
          transactionIndex: 0,
          logIndex: 10,
        },
      ],
      logsBloom: `0x${'00'.repeat(256)}`,
      type: 2,
    }
    expect(formatReceipt(r)).toEqual({
      blockHash: h('bb'),
      blockNumber: '0x10',
      contractAddress: TO,
      cumulativeGasUsed: '0x5208',
      effectiveGasPrice: '0x3b9aca00',
      from: TO,
      gasUsed: '0x5208',
      logs: [formatLog(r.logs[0])],
      logsBloom: r.logsBloom,
      status: '0x0',
      to: null,
      transactionHash: h('aa'),
      transactionIndex: '0x0',
      type: '0x2',
    })
    expect(formatLog(r.logs[0])).toMatchObject({ logIndex: '0xa', blockNumber: '0x10', transactionIndex: '0x0', removed: false })
  })
})
