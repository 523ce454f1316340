/** Whether a block rebuilt on import is the one it was given (BlockProducer.import). */
import type { Block } from '@ethereumjs/block'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { BlockImportError } from './errors.ts'

/**
 * @throws BlockImportError when the rebuilt block is not the expected one (a different state
 *   root, hash or transaction list).
 */
export function verifyImport(block: Block, expected: Block): void {
  const n = block.header.number
  if (!equalsBytes(block.hash(), expected.hash())) {
    const why = equalsBytes(block.header.stateRoot, expected.header.stateRoot)
      ? 'block hash differs'
      : `state root ${bytesToHex(block.header.stateRoot)} differs from ${bytesToHex(expected.header.stateRoot)}`
    throw new BlockImportError(n, why)
  }
  const same =
    block.transactions.length === expected.transactions.length &&
    block.transactions.every((tx, i) => equalsBytes(tx.hash(), expected.transactions[i].hash()))
  // Same header, different body: a block whose transactions are not the ones its header commits to.
  if (!same) throw new BlockImportError(n, 'its transactions are not those of its header')
}
