/**
 * What the EVM's BLOCKHASH opcode reads: the hashes of the last 256 blocks, kept in a ring by
 * the chain as blocks are committed.
 */
import type { EVMMockBlockchainInterface } from '@ethereumjs/evm'

type EVMMockBlock = Awaited<ReturnType<EVMMockBlockchainInterface['getBlock']>>

const WINDOW = 256

export class BlockHashes implements EVMMockBlockchainInterface {
  private readonly byNumber = new Map<number, Uint8Array>()

  /** Records the hash of block `number`, forgetting those out of the window. */
  record(number: bigint, hash: Uint8Array): void {
    const n = Number(number)
    this.byNumber.set(n, hash)
    this.byNumber.delete(n - WINDOW - 1)
  }

  async getBlock(blockId: number): Promise<EVMMockBlock> {
    const hash = this.byNumber.get(blockId) ?? new Uint8Array(32)
    return { hash: () => hash } as EVMMockBlock
  }

  async putBlock(): Promise<void> {}

  shallowCopy(): EVMMockBlockchainInterface {
    return this
  }
}
