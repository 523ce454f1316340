// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IMarginBatch, Trade} from "./IMargin.sol";

/// A venue whose matching runs off chain: its matching engine (the `matcher`) settles the fills
/// it matched, many at once, through `Margin.settleTrades`. The fills apply in order and every
/// account is margin-checked once on its whole portfolio; one account short of margin reverts the
/// whole batch, naming it. Traders opt in as for any venue, with `Margin.setOperator(venue, true)`.
/// Only the matcher may settle: the traders' consent is to this venue's matching, not to anyone's.
contract BatchVenue {
  IMarginBatch internal constant MARGIN = IMarginBatch(0x0000000000000000000000000000000000000A00);

  /// The matching engine's account (slot 0; set in the genesis allocation for a predeploy).
  address public matcher;
  /// Batches settled so far.
  uint256 public batchCount;

  event MatcherChanged(address indexed previous, address indexed next);
  event BatchSettled(uint256 indexed id, uint256 fills);

  constructor(address matcher_) {
    matcher = matcher_;
    emit MatcherChanged(address(0), matcher_);
  }

  /// Settles `trades` (buyer, seller, instrument, size, price each) in one call, all or nothing.
  function settle(Trade[] calldata trades) external returns (uint256 id) {
    require(msg.sender == matcher, "not matcher");
    MARGIN.settleTrades(trades);
    id = ++batchCount;
    emit BatchSettled(id, trades.length);
  }

  /// Hands the matching over to another account.
  function setMatcher(address next) external {
    require(msg.sender == matcher, "not matcher");
    require(next != address(0), "zero matcher");
    emit MatcherChanged(matcher, next);
    matcher = next;
  }
}
