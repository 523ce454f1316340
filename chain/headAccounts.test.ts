import { Account } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { HeadAccounts } from './headAccounts.ts'

const A = '0x00000000000000000000000000000000000000aa'
const B = '0x00000000000000000000000000000000000000bb'

describe('HeadAccounts', () => {
  it('reads an account once per head, shared by concurrent callers', async () => {
    const cache = new HeadAccounts<object>()
    const head1 = {}
    let reads = 0
    const read = (nonce: bigint) => async () => {
      reads++
      return new Account(nonce, 0n)
    }
    const [x, y] = await Promise.all([cache.get(head1, A, read(1n)), cache.get(head1, A, read(1n))])
    expect(x?.nonce).toBe(1n)
    expect(y).toBe(x)
    expect(reads).toBe(1)
    await cache.get(head1, B, read(9n))
    expect(reads).toBe(2)
    const head2 = {}
    expect((await cache.get(head2, A, read(2n)))?.nonce).toBe(2n)
    expect(reads).toBe(3)
  })

  it('does not keep a failed read', async () => {
    const cache = new HeadAccounts<object>()
    const head = {}
    await expect(cache.get(head, A, async () => Promise.reject(new Error('io')))).rejects.toThrow('io')
    expect((await cache.get(head, A, async () => new Account(4n, 0n)))?.nonce).toBe(4n)
  })
})
