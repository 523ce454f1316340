import { RLP } from '@ethereumjs/rlp'
import { Capability, createTxFromRLP } from '@ethereumjs/tx'
import { bytesToHex } from '@ethereumjs/util'
import { hexToBytes, parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { DEV_ACCOUNTS } from '../genesis/dev.ts'
import { createSharedTxCommon } from './common.ts'
import { decodeRawTx, signedChainId, unsignedPayload } from './rawTx.ts'

const alice = privateKeyToAccount(DEV_ACCOUNTS[0][1])
const bob = privateKeyToAccount(DEV_ACCOUNTS[1][1])
const common = createSharedTxCommon(31338n)

const signed = async (): Promise<[string, Uint8Array][]> => {
  const base = { chainId: 31338, to: bob.address, value: 12_345n, nonce: 7, gas: 60_000n }
  const accessList = [{ address: bob.address, storageKeys: [`0x${'00'.repeat(31)}01` as const] }]
  return [
    ['legacy (EIP-155)', await alice.signTransaction({ ...base, type: 'legacy', gasPrice: parseGwei('3') })],
    ['EIP-2930', await alice.signTransaction({ ...base, type: 'eip2930', gasPrice: parseGwei('3'), accessList })],
    [
      'EIP-1559 with data',
      await alice.signTransaction({
        ...base,
        type: 'eip1559',
        maxFeePerGas: parseGwei('10'),
        maxPriorityFeePerGas: 0n,
        data: `0x${'ab'.repeat(300)}`,
        accessList,
      }),
    ],
    [
      'EIP-1559 contract creation',
      await alice.signTransaction({ ...base, to: undefined, type: 'eip1559', maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, data: '0x6000' }),
    ],
  ].map(([name, hex]) => [name as string, hexToBytes(hex as `0x${string}`)])
}

describe('decodeRawTx', () => {
  it('agrees with createTxFromRLP on hash, encoding and sender for every transaction type', async () => {
    for (const [name, raw] of await signed()) {
      const plain = createTxFromRLP(raw, { common })
      const tx = decodeRawTx(raw, common)
      expect(bytesToHex(tx.serialize()), name).toBe(bytesToHex(plain.serialize()))
      expect(bytesToHex(tx.serialize()), name).toBe(bytesToHex(raw))
      expect(bytesToHex(tx.hash()), name).toBe(bytesToHex(plain.hash()))
      expect(tx.getSenderAddress().toString(), name).toBe(alice.address.toLowerCase())
      expect(tx.getSenderAddress(), name).toBe(tx.getSenderAddress())
      expect(Object.isFrozen(tx), name).toBe(true)
      expect(tx.type, name).toBe(plain.type)
    }
  })

  it('keeps its own copy of the bytes', async () => {
    const [[, raw]] = await signed()
    const buf = Buffer.from(raw)
    const tx = decodeRawTx(buf, common)
    buf.fill(0)
    expect(bytesToHex(tx.serialize())).toBe(bytesToHex(raw))
  })

  it('throws on an invalid signature when the sender is asked for', async () => {
    const [, , [, raw]] = await signed()
    const bad = raw.slice()
    bad[bad.length - 40] ^= 0xff // inside s
    const tx = decodeRawTx(bad, common)
    expect(() => tx.getSenderAddress()).toThrow()
  })

  it('refuses a non-canonical encoding', async () => {
    const [[, raw]] = await signed()
    expect(() => decodeRawTx(Uint8Array.of(...raw, 0), common)).toThrow()
  })
})

describe('unsignedPayload', () => {
  it('is the message @ethereumjs signs, for every transaction type and a pre-EIP-155 one', async () => {
    const preEip155 = createTxFromRLP(
      hexToBytes(
        // Legacy without a chain id: v = 27/28, the signed message has no chain id.
        (await alice.signTransaction({ to: bob.address, value: 1n, nonce: 0, gas: 21_000n, gasPrice: 1n, type: 'legacy' })) as `0x${string}`,
      ),
      { common },
    )
    expect(preEip155.v! < 35n).toBe(true)
    expect(decodeRawTx(preEip155.serialize(), common).getSenderAddress().toString()).toBe(alice.address.toLowerCase())
    const all = [...(await signed()).map(([, raw]) => raw), preEip155.serialize()]
    for (const raw of all) {
      const plain = createTxFromRLP(raw, { common })
      const chainId = plain.type === 0 && plain.supports(Capability.EIP155ReplayProtection) ? plain.common.chainId() : undefined
      const message = plain.getMessageToSign() // legacy: the fields, not yet RLP
      const expected = Array.isArray(message) ? RLP.encode(message) : message
      expect(bytesToHex(unsignedPayload(raw, chainId))).toBe(bytesToHex(expected))
      expect(bytesToHex(decodeRawTx(raw, common).getMessageToVerifySignature())).toBe(
        bytesToHex(plain.getMessageToVerifySignature()),
      )
    }
  })
})

describe('signedChainId', () => {
  it('reads the chain id every transaction type was signed for', async () => {
    const base = { to: bob.address, value: 1n, nonce: 0, gas: 21_000n }
    for (const chainId of [1, 31338, 999_999_999]) {
      const txs = [
        await alice.signTransaction({ ...base, chainId, type: 'legacy', gasPrice: 1n }),
        await alice.signTransaction({ ...base, chainId, type: 'eip2930', gasPrice: 1n }),
        await alice.signTransaction({ ...base, chainId, type: 'eip1559', maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }),
      ]
      for (const hex of txs) expect(signedChainId(hexToBytes(hex))).toBe(BigInt(chainId))
    }
  })

  it('is undefined for a pre-EIP-155 legacy transaction and for bytes that are no transaction', () => {
    // nonce, gasPrice, gas, to, value, data, v = 27, r, s
    const unprotected = RLP.encode([0, 1, 21000, bob.address, 1, '0x', 27, 1, 1])
    expect(signedChainId(unprotected)).toBeUndefined()
    expect(signedChainId(new Uint8Array())).toBeUndefined()
    expect(signedChainId(hexToBytes('0xdeadbeef'))).toBeUndefined()
    expect(signedChainId(hexToBytes('0x02c0'))).toBeUndefined()
  })
})
