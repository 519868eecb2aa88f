//! Queries for the ledger and route sheets: rounds over a span of days, with their flags and
//! follow-ups.
