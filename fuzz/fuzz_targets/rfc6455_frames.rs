//! The RFC 6455 frame decoder, server and client roles: see frames.rs.
#![no_main]

#[path = "frames.rs"]
mod frames;

libfuzzer_sys::fuzz_target!(|data: &[u8]| frames::check(websocket_engine::Version::Rfc6455, data));
