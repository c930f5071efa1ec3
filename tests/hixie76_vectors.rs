//! The verified test vectors of the spec summary, through the public
//! function and through a full server handshake.

mod common;

use websocket_engine::*;

#[test]
fn answers_match_the_vectors() {
    for (key1, key2, key3, answer) in common::MD5_VECTORS {
        assert_eq!(&hixie76_answer(key1, key2, key3).unwrap(), answer, "{key1:?}");
    }
}

#[test]
fn a_server_sends_exactly_the_expected_response_for_each_vector() {
    for (key1, key2, key3, answer) in common::MD5_VECTORS {
        let mut request = format!(
            "GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nSec-WebSocket-Key2: {key2}\r\n\
             Upgrade: WebSocket\r\nSec-WebSocket-Key1: {key1}\r\nOrigin: http://example.com\r\n\r\n"
        )
        .into_bytes();
        request.extend_from_slice(key3);
        let response = common::accept_request(&request, None);
        let mut expected = b"HTTP/1.1 101 WebSocket Protocol Handshake\r\n\
            Upgrade: WebSocket\r\nConnection: Upgrade\r\n\
            Sec-WebSocket-Origin: http://example.com\r\n\
            Sec-WebSocket-Location: ws://example.com/demo\r\n\r\n"
            .to_vec();
        expected.extend_from_slice(answer);
        assert_eq!(
            String::from_utf8_lossy(&response),
            String::from_utf8_lossy(&expected)
        );
        assert_eq!(response, expected);
    }
}
