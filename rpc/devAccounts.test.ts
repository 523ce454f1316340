import { type Hex, hashTypedData, parseTransaction, recoverAddress, recoverMessageAddress, recoverTransactionAddress, toHex } from 'viem'
import { describe, expect, it } from 'vitest'
import type { ChainApi } from '../chain/types.ts'
import { DEV_ACCOUNTS } from '../genesis/dev.ts'
import { devAccountMethods, NoSignerError } from './devAccounts.ts'
import type { RpcContext } from './types.ts'

const keys = DEV_ACCOUNTS.slice(0, 3).map(([, k]) => k)
const [a0, a1] = DEV_ACCOUNTS.map(([a]) => a.toLowerCase() as Hex)
const stranger = '0x000000000000000000000000000000000000dead'

/** A chain that suggests fixed fees and nonce, and keeps what is sent to it. */
function fakeChain() {
  const sent: Uint8Array[] = []
  const chain = {
    chainId: 31338n,
    getTransactionCount: async () => 7n,
    estimateGas: async () => 21_000n,
    gasPrice: () => 3_000_000_000n,
    maxPriorityFeePerGas: () => 1_000_000_000n,
    sendRawTransaction: async (raw: Uint8Array) => (sent.push(raw), '0xabc' as Hex),
  } as unknown as ChainApi
  return { sent, ctx: { chain } as RpcContext }
}
const methods = devAccountMethods(keys)

describe('devAccountMethods', () => {
  it('eth_accounts lists the accounts of the keys, in order', () => {
    const { ctx } = fakeChain()
    expect(methods.eth_accounts([], ctx)).toEqual(DEV_ACCOUNTS.slice(0, 3).map(([a]) => a.toLowerCase()))
  })

  it('eth_sendTransaction fills nonce, gas, EIP-1559 fees and chain id, and signs with the sender key', async () => {
    const { ctx, sent } = fakeChain()
    expect(await methods.eth_sendTransaction([{ from: a1, to: a0, value: '0x5' }], ctx)).toBe('0xabc')
    const raw = toHex(sent[0])
    const tx = parseTransaction(raw)
    expect(tx).toMatchObject({ type: 'eip1559', chainId: 31338, nonce: 7, gas: 21_000n, value: 5n, to: a0 })
    expect(tx).toMatchObject({ maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n })
    expect((await recoverTransactionAddress({ serializedTransaction: raw as never })).toLowerCase()).toBe(a1)
  })

  it('eth_sendTransaction with gasPrice sends legacy, and without from uses the first account', async () => {
    const { ctx, sent } = fakeChain()
    await methods.eth_sendTransaction([{ to: a1, gasPrice: '0x77359400', nonce: '0x1', gas: '0x5208' }], ctx)
    const raw = toHex(sent[0])
    expect(parseTransaction(raw)).toMatchObject({ type: 'legacy', gasPrice: 2_000_000_000n, nonce: 1 })
    expect((await recoverTransactionAddress({ serializedTransaction: raw as never })).toLowerCase()).toBe(a0)
  })

  it('refuses a sender or signer it has no key for: No Signer available, -32602', async () => {
    const { ctx, sent } = fakeChain()
    await expect(methods.eth_sendTransaction([{ from: stranger, to: a0 }], ctx)).rejects.toThrow(NoSignerError)
    expect(() => methods.personal_sign(['0x00', stranger], ctx)).toThrow('No Signer available')
    expect(new NoSignerError().code).toBe(-32602)
    expect(sent).toEqual([])
  })

  it('personal_sign (message, address) and eth_sign (address, message) sign EIP-191', async () => {
    const { ctx } = fakeChain()
    const message = toHex('hello')
    const p = (await methods.personal_sign([message, a1], ctx)) as Hex
    const e = (await methods.eth_sign([a1, message], ctx)) as Hex
    expect(p).toBe(e)
    expect((await recoverMessageAddress({ message: { raw: message }, signature: p })).toLowerCase()).toBe(a1)
  })

  it('eth_signTypedData_v4 takes the typed data as JSON text and signs its EIP-712 hash', async () => {
    const { ctx } = fakeChain()
    const data = {
      types: {
        EIP712Domain: [
          { name: 'name', type: 'string' },
          { name: 'chainId', type: 'uint256' },
        ],
        Mail: [{ name: 'contents', type: 'string' }],
      },
      domain: { name: 'Mailer', chainId: 31338 },
      primaryType: 'Mail',
      message: { contents: 'gm' },
    } as const
    const sig = (await methods.eth_signTypedData_v4([a0, JSON.stringify(data)], ctx)) as Hex
    expect(
      (
        await recoverAddress({ hash: hashTypedData({ ...data, domain: { name: 'Mailer', chainId: 31338n } }), signature: sig })
      ).toLowerCase(),
    ).toBe(a0)
    expect(() => methods.eth_signTypedData_v4([a0, '{not json'], ctx)).toThrow(/not JSON/)
  })
})
