// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The Margin precompile (SPEC section 4).
interface IMargin {
  function transfer(address to, uint32 assetId, uint256 amount) external;
  function setOperator(address protocol, bool allowed) external;
  function settleTrade(address buyer, address seller, uint32 instrumentId, uint256 size, uint256 price) external;
  function withdraw(uint32 assetId, uint256 amount, address l1Recipient) external returns (uint256 id);
  function balanceOf(address account, uint32 assetId) external view returns (int256);
  function positionOf(address account, uint32 instrumentId) external view returns (int256 size, int256 entryPrice);
}

/// The RiskKernel precompile (SPEC section 4).
interface IRiskKernel {
  function marginOf(address account) external view returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin);
  function isLiquidatable(address account) external view returns (bool);
}

/// One fill of a batch (SPEC section 4, IMarginBatch).
struct Trade {
  address buyer;
  address seller;
  uint32 instrumentId;
  uint256 size;
  uint256 price;
}

/// The Margin precompile's batch entry (SPEC section 4): fills apply in order, then each distinct
/// account is margin-checked once; one failing account reverts the whole call.
interface IMarginBatch {
  function settleTrades(Trade[] calldata trades) external;
}
