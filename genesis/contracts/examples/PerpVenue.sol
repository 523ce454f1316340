// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Venue} from "./Venue.sol";

/// A perpetuals venue: quotes on the perps of the dev market (ETH-PERP 1, BTC-PERP 2).
contract PerpVenue is Venue {
  function _checkInstrument(uint32 instrumentId) internal pure override {
    require(instrumentId == 1 || instrumentId == 2, "not a perp");
  }
}
