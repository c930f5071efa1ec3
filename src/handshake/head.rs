//! The HTTP head of an opening handshake: gathered incrementally under a
//! size limit, then parsed strictly and without copying.

use memchr::memmem;

use crate::error::HandshakeError;
use crate::version::Role;

const END: &[u8] = b"\r\n\r\n";

/// Gathers a head's bytes until its empty line, never past the limit.
#[derive(Debug)]
pub(crate) struct HeadReader {
    buf: Vec<u8>,
    limit: usize,
    from: Role,
    complete: bool,
}

impl HeadReader {
    pub(crate) fn new(limit: usize, from: Role) -> Self {
        HeadReader {
            buf: Vec::new(),
            limit,
            from,
            complete: false,
        }
    }

    /// Takes bytes from `input` until the head is complete. Returns
    /// `Some(consumed)` once the empty line has been read (bytes of `input`
    /// past `consumed` are not part of the head), `None` when all of `input`
    /// was taken and more is needed.
    pub(crate) fn push(&mut self, input: &[u8]) -> Result<Option<usize>, HandshakeError> {
        debug_assert!(!self.complete);
        let old = self.buf.len();
        let take = input.len().min(self.limit - old);
        self.buf.extend_from_slice(&input[..take]);
        // The terminator may straddle the previous chunk and this one.
        let from = old.saturating_sub(END.len() - 1);
        if let Some(at) = memmem::find(&self.buf[from..], END) {
            let end = from + at + END.len();
            self.buf.truncate(end);
            self.complete = true;
            return Ok(Some(end - old));
        }
        if self.buf.len() >= self.limit {
            return Err(HandshakeError::HeadTooLarge {
                from: self.from,
                limit: self.limit,
            });
        }
        Ok(None)
    }

    /// The bytes gathered so far (the whole head once `push` returned `Some`).
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf
    }
}

/// A parsed head: its first line and its fields, borrowed from the bytes.
#[derive(Debug)]
pub(crate) struct Head<'a> {
    pub(crate) start: &'a str,
    pub(crate) fields: Vec<(&'a str, &'a str)>,
    from: Role,
}

/// Parses a complete head (ending with the empty line). Lines end with
/// CRLF exactly; field names are tokens; values are trimmed of spaces and
/// tabs; folded lines are refused.
pub(crate) fn parse(bytes: &[u8], from: Role, max_headers: usize) -> Result<Head<'_>, HandshakeError> {
    let malformed = |reason| HandshakeError::MalformedHead { from, reason };
    let text = core::str::from_utf8(bytes).map_err(|_| malformed("bytes that are not UTF-8"))?;
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let nl = rest.find('\n').ok_or(malformed("a line without CRLF"))?;
        let line = rest[..nl].strip_suffix('\r').ok_or(malformed("a bare LF"))?;
        if line.contains('\r') {
            return Err(malformed("a CR not followed by LF"));
        }
        lines.push(line);
        rest = &rest[nl + 1..];
    }
    // The last line is the empty one that ends the head.
    match lines.pop() {
        Some("") => {}
        _ => return Err(malformed("no empty line at the end")),
    }
    let mut iter = lines.into_iter();
    let start = iter.next().ok_or(malformed("no start line"))?;
    let mut fields = Vec::new();
    for line in iter {
        if fields.len() == max_headers {
            return Err(HandshakeError::TooManyHeaders {
                from,
                limit: max_headers,
            });
        }
        if line.is_empty() {
            return Err(malformed("an empty line inside the head"));
        }
        if line.starts_with([' ', '\t']) {
            return Err(malformed("a folded (continued) field line"));
        }
        let (name, value) = line.split_once(':').ok_or(malformed("a field without a colon"))?;
        if name.is_empty() {
            return Err(malformed("a field with an empty name"));
        }
        if !name.bytes().all(is_token_byte) {
            return Err(malformed(
                "a field name with characters outside the HTTP token set",
            ));
        }
        let value = value.trim_matches([' ', '\t']);
        if value.chars().any(|c| c.is_control() && c != '\t') {
            return Err(malformed("a field value with control characters"));
        }
        fields.push((name, value));
    }
    Ok(Head { start, fields, from })
}

/// The bytes HTTP allows in a token (RFC 9110 section 5.6.2).
pub(crate) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

impl<'a> Head<'a> {
    /// The value of the field named `name` (ASCII case-insensitive), if it
    /// appears once; an error if it appears more than once.
    pub(crate) fn get(&self, name: &'static str) -> Result<Option<&'a str>, HandshakeError> {
        let mut found = None;
        for (n, v) in &self.fields {
            if n.eq_ignore_ascii_case(name) {
                if found.is_some() {
                    return Err(HandshakeError::DuplicateHeader {
                        from: self.from,
                        name,
                    });
                }
                found = Some(*v);
            }
        }
        Ok(found)
    }

    /// Every value of the fields named `name`, in order, each split at
    /// commas and trimmed, empty elements skipped: the list a field that
    /// may repeat stands for (RFC 9110 section 5.3).
    pub(crate) fn list(&self, name: &str) -> Vec<&'a str> {
        self.fields
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .map(|e| e.trim_matches([' ', '\t']))
            .filter(|e| !e.is_empty())
            .collect()
    }

    /// True when the list of the fields named `name` holds `token` (ASCII
    /// case-insensitive).
    pub(crate) fn has_token(&self, name: &str, token: &str) -> bool {
        self.list(name).iter().any(|t| t.eq_ignore_ascii_case(token))
    }

    /// Like [`Head::get`], but the field must be present.
    pub(crate) fn require(&self, name: &'static str) -> Result<&'a str, HandshakeError> {
        self.get(name)?.ok_or(HandshakeError::MissingHeader {
            from: self.from,
            name,
        })
    }

    /// The fields as owned pairs, for the caller to inspect.
    pub(crate) fn owned_fields(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader_in_chunks(bytes: &[u8], chunk: usize) -> (Option<usize>, Vec<u8>) {
        let mut r = HeadReader::new(1024, Role::Client);
        let mut total = 0;
        for c in bytes.chunks(chunk) {
            if let Some(n) = r.push(c).unwrap() {
                return (Some(total + n), r.bytes().to_vec());
            }
            total += c.len();
        }
        (None, r.bytes().to_vec())
    }

    #[test]
    fn finds_the_end_across_any_split() {
        let msg = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nrest";
        for chunk in 1..msg.len() {
            let (consumed, head) = reader_in_chunks(msg, chunk);
            assert_eq!(consumed, Some(msg.len() - 4), "chunk {chunk}");
            assert_eq!(head, &msg[..msg.len() - 4]);
        }
    }

    #[test]
    fn refuses_heads_over_the_limit() {
        let mut r = HeadReader::new(8, Role::Server);
        assert_eq!(r.push(b"HTTP/1."), Ok(None));
        assert_eq!(
            r.push(b"1 101"),
            Err(HandshakeError::HeadTooLarge {
                from: Role::Server,
                limit: 8
            })
        );
    }

    #[test]
    fn parses_strictly() {
        let ok = parse(b"GET / HTTP/1.1\r\nA:  b \r\nC:\r\n\r\n", Role::Client, 8).unwrap();
        assert_eq!(ok.start, "GET / HTTP/1.1");
        assert_eq!(ok.fields, vec![("A", "b"), ("C", "")]);
        let reason = |b: &[u8]| match parse(b, Role::Client, 8) {
            Err(HandshakeError::MalformedHead { reason, .. }) => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(reason(b"GET / HTTP/1.1\nA: b\r\n\r\n"), "a bare LF");
        assert_eq!(
            reason(b"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n"),
            "a CR not followed by LF"
        );
        assert_eq!(reason(b"GET / HTTP/1.1\r\nAb\r\n\r\n"), "a field without a colon");
        assert_eq!(
            reason(b"GET / HTTP/1.1\r\n b\r\n\r\n"),
            "a folded (continued) field line"
        );
        assert_eq!(
            reason(b"GET / HTTP/1.1\r\n: b\r\n\r\n"),
            "a field with an empty name"
        );
        assert_eq!(
            reason(b"GET / HTTP/1.1\r\nA b: c\r\n\r\n"),
            "a field name with characters outside the HTTP token set"
        );
        assert_eq!(
            reason(b"GET / HTTP/1.1\r\nA: \xff\r\n\r\n"),
            "bytes that are not UTF-8"
        );
        assert_eq!(
            parse(b"X\r\nA: 1\r\nB: 2\r\n\r\n", Role::Client, 1).unwrap_err(),
            HandshakeError::TooManyHeaders {
                from: Role::Client,
                limit: 1
            }
        );
    }

    #[test]
    fn looks_up_names_case_insensitively_and_refuses_duplicates() {
        let h = parse(b"X\r\nhOsT: a\r\nOrigin: o\r\norigin: p\r\n\r\n", Role::Client, 8).unwrap();
        assert_eq!(h.get("Host"), Ok(Some("a")));
        assert_eq!(h.get("Cookie"), Ok(None));
        assert_eq!(
            h.get("Origin"),
            Err(HandshakeError::DuplicateHeader {
                from: Role::Client,
                name: "Origin"
            })
        );
        assert_eq!(
            h.require("Cookie"),
            Err(HandshakeError::MissingHeader {
                from: Role::Client,
                name: "Cookie"
            })
        );
    }
}
