//! The verified test vectors of the spec summary, through the public
//! function and through a full server handshake.

mod common;

use websocket_engine::*;

const VECTORS: [(&str, &str, &[u8; 8], &[u8; 16]); 3] = [
    (
        "4 @1  46546xW%0l 1 5",
        "12998 5 Y3 1  .P00",
        b"^n:ds[4U",
        b"8jKS'y:G*Co,Wxa-",
    ),
    (
        "3e6b263  4 17 80",
        "17  9 G`ZD9   2 2b 7X 3 /r90",
        b"WjN}|M(6",
        b"n`9eBk9z$R8pOtVb",
    ),
    (
        "18x 6]8vM;54 *(5:  {   U1]8  z [  8",
        "1_ tx7X d  <  nw  334J702) 7]o}` 0",
        b"Tm[K T2u",
        b"fQJ,fN/4F4!~K~MH",
    ),
];

#[test]
fn answers_match_the_vectors() {
    for (key1, key2, key3, answer) in VECTORS {
        assert_eq!(&hixie76_answer(key1, key2, key3).unwrap(), answer, "{key1:?}");
    }
}

#[test]
fn a_server_sends_exactly_the_expected_response_for_each_vector() {
    for (key1, key2, key3, answer) in VECTORS {
        let mut request = format!(
            "GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nSec-WebSocket-Key2: {key2}\r\n\
             Upgrade: WebSocket\r\nSec-WebSocket-Key1: {key1}\r\nOrigin: http://example.com\r\n\r\n"
        )
        .into_bytes();
        request.extend_from_slice(key3);
        let (response, _) = common::accept_request(&request, None);
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
