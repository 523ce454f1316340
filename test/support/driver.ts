/**
 * Drives an in-process node (`createNode`, `produce: false`) with signed transactions from the
 * dev accounts, keeping each sender's nonce: the in-process suites' one way to send.
 */
import { type Hex, hexToBytes, parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { Node } from '../../chain/node.ts'
import { DEV_ACCOUNTS } from '../../genesis/dev.ts'

export class Driver {
  private nonces = new Map<number, number>()
  constructor(readonly node: Node) {}

  /** Sends `data` to `to` from dev account `who` (3M gas); returns the transaction hash. */
  async send(who: number, to: Hex, data: Hex): Promise<Hex> {
    const account = privateKeyToAccount(DEV_ACCOUNTS[who][1])
    const nonce = this.nonces.get(who) ?? 0
    this.nonces.set(who, nonce + 1)
    return this.sendAs(account, nonce, to, data)
  }

  /** Sends `value` wei from dev account `who` to `to`. */
  async sendValue(who: number, to: Hex, value: bigint): Promise<void> {
    const account = privateKeyToAccount(DEV_ACCOUNTS[who][1])
    const nonce = this.nonces.get(who) ?? 0
    this.nonces.set(who, nonce + 1)
    const raw = await account.signTransaction({
      chainId: 31338,
      type: 'eip1559',
      to,
      value,
      nonce,
      gas: 21_000n,
      maxFeePerGas: parseGwei('10'),
      maxPriorityFeePerGas: 1n,
    })
    await this.node.sendRawTransaction(hexToBytes(raw))
  }

  /** Sends from any `account` with an explicit nonce. */
  async sendAs(account: ReturnType<typeof privateKeyToAccount>, nonce: number, to: Hex, data: Hex, tip = 1n): Promise<Hex> {
    const raw = await account.signTransaction({
      chainId: 31338,
      type: 'eip1559',
      to,
      data,
      nonce,
      gas: 3_000_000n,
      maxFeePerGas: parseGwei('10'),
      maxPriorityFeePerGas: tip,
    })
    return this.node.sendRawTransaction(hexToBytes(raw))
  }
}
