//! Request signing as pure functions (RPC V1 HMAC-SHA1 and V3 ACS3-HMAC-SHA256).
//!
//! (to be written: see the signing work item)
