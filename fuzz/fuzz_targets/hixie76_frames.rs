//! The hixie76 frame decoder: see frames.rs.
#![no_main]

#[path = "frames.rs"]
mod frames;

libfuzzer_sys::fuzz_target!(|data: &[u8]| frames::check(websocket_engine::Version::Hixie76, data));
