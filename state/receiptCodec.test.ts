import { describe, expect, it } from 'vitest'
import { decodeReceipts, encodeReceipts } from './receiptCodec.ts'
import type { Hex, StoredReceipt } from './types.ts'

const blockHash = `0x${'bb'.repeat(32)}` as Hex
const zeroBloom = `0x${'00'.repeat(256)}` as Hex
const someBloom = `0x${'00'.repeat(255)}80` as Hex

function receipt(i: number, logsBloom: Hex): StoredReceipt {
  return {
    transactionHash: `0x${String(i).padStart(64, '0')}` as Hex,
    transactionIndex: i,
    blockHash,
    blockNumber: 5n,
    from: `0x${'11'.repeat(20)}` as Hex,
    to: i === 0 ? null : (`0x${'22'.repeat(20)}` as Hex),
    contractAddress: i === 0 ? (`0x${'33'.repeat(20)}` as Hex) : null,
    cumulativeGasUsed: 21_000n * BigInt(i + 1),
    gasUsed: 21_000n,
    effectiveGasPrice: 7n,
    status: 1,
    logs:
      logsBloom === zeroBloom
        ? []
        : [
            {
              address: `0x${'22'.repeat(20)}` as Hex,
              topics: [`0x${'44'.repeat(32)}` as Hex],
              data: '0x01' as Hex,
              blockNumber: 5n,
              blockHash,
              transactionHash: `0x${String(i).padStart(64, '0')}` as Hex,
              transactionIndex: i,
              logIndex: 0,
            },
          ],
    logsBloom,
    type: 2,
  }
}

describe('receiptCodec', () => {
  it('round-trips receipts with and without logs (the zero bloom is left out of the bytes)', () => {
    const receipts = [receipt(0, zeroBloom), receipt(1, someBloom), receipt(2, zeroBloom)]
    const bytes = encodeReceipts(receipts)
    expect(Buffer.from(bytes).toString('utf8')).not.toContain('0'.repeat(512))
    expect(decodeReceipts(bytes, 5n, blockHash)).toEqual(receipts)
  })

  it('reads receipts stored with the zero bloom written out', () => {
    const stored = JSON.stringify([
      {
        h: receipt(0, zeroBloom).transactionHash,
        f: receipt(0, zeroBloom).from,
        to: null,
        c: null,
        cg: '5208',
        g: '5208',
        p: '7',
        s: 1,
        l: [],
        b: zeroBloom,
        y: 2,
      },
    ])
    const [r] = decodeReceipts(Buffer.from(stored), 5n, blockHash)
    expect(r.logsBloom).toBe(zeroBloom)
    expect(r.cumulativeGasUsed).toBe(21_000n)
  })
})
