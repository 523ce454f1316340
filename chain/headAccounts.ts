/**
 * The accounts of the head state that transaction admission reads (the sender's nonce and
 * balance), one read per account and head: requests that arrive together for the same sender
 * share one state read instead of each walking the trie, and a head's state never changes, so
 * the answer holds until the next block.
 */
import type { Account } from '@ethereumjs/util'
import type { Hex } from '../state/types.ts'

export class HeadAccounts<H extends object> {
  private head?: H
  private readonly byAddress = new Map<Hex, Promise<Account | undefined>>()

  /**
   * The account `address` (lower case) has at `head`, read with `read` once per head. A read
   * that fails is not kept.
   */
  get(head: H, address: Hex, read: () => Promise<Account | undefined>): Promise<Account | undefined> {
    if (head !== this.head) {
      this.head = head
      this.byAddress.clear()
    }
    let p = this.byAddress.get(address)
    if (p === undefined) {
      p = read()
      this.byAddress.set(address, p)
      p.catch(() => {
        if (this.head === head && this.byAddress.get(address) === p) this.byAddress.delete(address)
      })
    }
    return p
  }
}
