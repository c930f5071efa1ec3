//! The RFC 6455 frame decoder with permessage-deflate, both roles: the
//! same frames and error whole and in chunks, and no inflated message past
//! the limit (see frames.rs).
#![no_main]

#[path = "frames.rs"]
mod frames;

libfuzzer_sys::fuzz_target!(|data: &[u8]| frames::check_deflate(data));
