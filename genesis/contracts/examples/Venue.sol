// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IMargin} from "./IMargin.sol";

/// A minimal quote book: makers post quotes on an instrument, takers fill them (whole or part),
/// and every fill settles through the Margin precompile into both traders' Universal Margin
/// Accounts. The venue holds no funds: margin is the account's, checked on the whole portfolio.
abstract contract Venue {
  IMargin internal constant MARGIN = IMargin(0x0000000000000000000000000000000000000A00);

  struct Quote {
    address maker;
    uint32 instrumentId;
    /// Remaining size, 18 decimals.
    uint256 size;
    /// Price per unit in USD, 18 decimals (an option's premium; a perp's price).
    uint256 price;
    /// True: the maker sells (the taker buys).
    bool makerSells;
  }

  mapping(uint256 => Quote) public quotes;
  uint256 public quoteCount;

  event Quoted(uint256 indexed id, address indexed maker, uint32 indexed instrumentId, uint256 size, uint256 price, bool makerSells);
  event Cancelled(uint256 indexed id);
  event Filled(uint256 indexed id, address indexed taker, uint256 size, uint256 price);

  /// Posts a quote; returns its id.
  function quote(uint32 instrumentId, uint256 size, uint256 price, bool makerSells) external returns (uint256 id) {
    require(size > 0, "zero size");
    _checkInstrument(instrumentId);
    id = ++quoteCount;
    quotes[id] = Quote(msg.sender, instrumentId, size, price, makerSells);
    emit Quoted(id, msg.sender, instrumentId, size, price, makerSells);
  }

  function cancel(uint256 id) external {
    require(quotes[id].maker == msg.sender, "not maker");
    delete quotes[id];
    emit Cancelled(id);
  }

  /// Fills `size` of quote `id`; the trade settles at once in both accounts (or reverts).
  function fill(uint256 id, uint256 size) external {
    Quote storage q = quotes[id];
    require(q.maker != address(0), "no quote");
    require(size > 0 && size <= q.size, "bad size");
    q.size -= size;
    (address buyer, address seller) = q.makerSells ? (msg.sender, q.maker) : (q.maker, msg.sender);
    MARGIN.settleTrade(buyer, seller, q.instrumentId, size, q.price);
    emit Filled(id, msg.sender, size, q.price);
    if (q.size == 0) delete quotes[id];
  }

  /// Venue-specific listing rule.
  function _checkInstrument(uint32 instrumentId) internal view virtual;
}
