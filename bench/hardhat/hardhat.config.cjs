// Hardhat 2 network for the throughput benchmark (bench/peers.ts starts `hardhat node` here):
// interval mining (250 ms) like the other peers, our chain id (31338), the dev mnemonic's
// accounts with 10,000 ETH each, and a block gas limit that never caps a block.
// Nothing is compiled. bench/peers.ts may override the chain id and block time through
// BENCH_CHAIN_ID and BENCH_BLOCK_TIME_MS.
/** @type {import('hardhat/config').HardhatUserConfig} */
module.exports = {
  networks: {
    hardhat: {
      chainId: Number(process.env.BENCH_CHAIN_ID ?? 31338),
      mining: { auto: false, interval: Number(process.env.BENCH_BLOCK_TIME_MS ?? 250) },
      blockGasLimit: 1_000_000_000,
      accounts: {
        mnemonic: 'test test test test test test test test test test test junk',
        count: 10,
        accountsBalance: '10000000000000000000000',
      },
    },
  },
}
