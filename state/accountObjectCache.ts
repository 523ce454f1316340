/**
 * The state manager's account cache, holding `Account` objects instead of their RLP.
 *
 * @ethereumjs's `AccountCache` keeps every account RLP-encoded in a red-black tree keyed by
 * address hex: each `putAccount` of a transaction (sender, recipient, refund, coinbase: about
 * five per transfer) encodes the account and each `getAccount` decodes it, with bigint↔bytes
 * conversions of the balance every time. This cache keeps the object (a private copy: callers
 * mutate what they get and what they put) in a `Map`, and encodes an account once, when the
 * flush writes it to the trie. Checkpoint, commit, revert and flush keep @ethereumjs's
 * semantics: a per-checkpoint map of each key's value before its first change
 * (`accountObjectCache.test.ts` runs random operation sequences against the original).
 */
import { AccountCache, CacheType } from '@ethereumjs/statemanager'
import { Account, type Address, bytesToUnprefixedHex } from '@ethereumjs/util'
import { encodeAccount } from './accountCodec.ts'

/** A full account's copy (its byte fields are replaced on change, never written into). */
const copyAccount = (a: Account): Account => new Account(a.nonce, a.balance, a.storageRoot, a.codeHash)

/** One cached account (undefined: known not to exist, or deleted). Its RLP is made on demand. */
export class CachedAccount {
  private rlp: Uint8Array | undefined
  constructor(private readonly account: Account | undefined) {}

  /** What @ethereumjs's flush writes to the trie. */
  get accountRLP(): Uint8Array | undefined {
    if (this.account === undefined) return undefined
    if (this.rlp === undefined) this.rlp = encodeAccount(this.account)
    return this.rlp
  }

  /** A copy the caller may mutate, or undefined. */
  read(): Account | undefined {
    return this.account === undefined ? undefined : copyAccount(this.account)
  }
}

export class AccountObjectCache extends AccountCache {
  private readonly accounts = new Map<string, CachedAccount>()
  /** Per checkpoint height: each changed key's element before its first change there. */
  private diffs: Map<string, CachedAccount | undefined>[] = [new Map()]

  constructor() {
    super({ size: 0, type: CacheType.ORDERED_MAP })
  }

  private saveDiff(key: string): void {
    const diff = this.diffs[this._checkpoints]
    if (!diff.has(key)) diff.set(key, this.accounts.get(key))
  }

  override put(address: Address, account: Account | undefined, couldBePartialAccount = false): void {
    // Only the stateless and RPC state managers put partial accounts; ours never does.
    if (couldBePartialAccount) throw new Error('AccountObjectCache holds full accounts only')
    const key = bytesToUnprefixedHex(address.bytes)
    this.saveDiff(key)
    this.accounts.set(key, new CachedAccount(account === undefined ? undefined : copyAccount(account)))
    this._stats.writes += 1
  }

  override get(address: Address): CachedAccount | undefined {
    const elem = this.accounts.get(bytesToUnprefixedHex(address.bytes))
    this._stats.reads += 1
    if (elem !== undefined) this._stats.hits += 1
    return elem
  }

  override del(address: Address): void {
    const key = bytesToUnprefixedHex(address.bytes)
    this.saveDiff(key)
    this.accounts.set(key, new CachedAccount(undefined))
    this._stats.deletions += 1
  }

  override flush(): [string, CachedAccount][] {
    const items: [string, CachedAccount][] = []
    for (const key of this.diffs[this._checkpoints].keys()) {
      const elem = this.accounts.get(key)
      if (elem !== undefined) items.push([key, elem])
    }
    this.diffs[this._checkpoints] = new Map()
    return items
  }

  override checkpoint(): void {
    this._checkpoints += 1
    this.diffs.push(new Map())
  }

  override revert(): void {
    this._checkpoints -= 1
    for (const [key, elem] of this.diffs.pop()!) {
      if (elem === undefined) this.accounts.delete(key)
      else this.accounts.set(key, elem)
    }
  }

  override commit(): void {
    this._checkpoints -= 1
    const below = this.diffs[this._checkpoints]
    for (const [key, elem] of this.diffs.pop()!) if (!below.has(key)) below.set(key, elem)
  }

  override size(): number {
    return this.accounts.size
  }

  override clear(): void {
    this.accounts.clear()
  }
}
