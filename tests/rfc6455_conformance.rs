//! The RFC 6455 conformance suite, organised by section of the RFC.
//!
//! It covers what the Autobahn TestSuite's fuzzingclient checks in its
//! cases 1 to 7, 9 and 10 (each test names the Autobahn cases it mirrors):
//! the engine under test, a server [`Connection`](websocket_engine::Connection)
//! run as an echo loop (and for some cases a client), is fed raw frames that
//! a hand-written builder makes, malformed ones included, and its output is
//! decoded and compared exactly: echoed messages, pongs, and the close
//! frame with its status code, followed by nothing. Every failure is checked
//! for its exact [`FrameError`](websocket_engine::FrameError) variant.
//!
//! | module | RFC 6455 | Autobahn |
//! | --- | --- | --- |
//! | `section_5_2_base_framing` | 5.2 reserved bits, opcodes, lengths | 3.x, 4.x |
//! | `section_5_3_masking` | 5.3 client-to-server masking | |
//! | `section_5_4_fragmentation` | 5.4 fragmentation | 5.x, 10.1.1 |
//! | `section_5_5_control_frames` | 5.5 control frames | 2.5, 5.1, 5.2 |
//! | `section_5_5_2_ping_pong` | 5.5.2, 5.5.3 ping and pong | 2.x |
//! | `section_5_6_data_frames` | 5.6 data frames | 1.x |
//! | `section_7_closing` | 7 closing, 7.4 status codes | 7.x |
//! | `section_8_1_utf8` | 8.1 UTF-8 | 6.x |
//! | `section_10_4_limits` | 10.4 implementation limits | 9.x |
//! | `client_role` | the key cases with a client under test | |
//! | `native_tcp` | a table of the above over TCP against `blocking::accept` | |

#[path = "conformance/harness.rs"]
mod harness;

#[path = "conformance/section_10_4_limits.rs"]
mod section_10_4_limits;
#[path = "conformance/section_5_2_base_framing.rs"]
mod section_5_2_base_framing;
#[path = "conformance/section_5_3_masking.rs"]
mod section_5_3_masking;
#[path = "conformance/section_5_4_fragmentation.rs"]
mod section_5_4_fragmentation;
#[path = "conformance/section_5_5_2_ping_pong.rs"]
mod section_5_5_2_ping_pong;
#[path = "conformance/section_5_5_control_frames.rs"]
mod section_5_5_control_frames;
#[path = "conformance/section_5_6_data_frames.rs"]
mod section_5_6_data_frames;
#[path = "conformance/section_7_closing.rs"]
mod section_7_closing;
#[path = "conformance/section_8_1_utf8.rs"]
mod section_8_1_utf8;

#[path = "conformance/client_role.rs"]
mod client_role;
#[path = "conformance/native_tcp.rs"]
mod native_tcp;
