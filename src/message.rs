//! Messages as the application sees them: owned, cheap to clone, and
//! handed over from the decoder without a copy.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;

/// UTF-8 text over [`Bytes`]: checked once, then cloned by reference count,
/// as tungstenite's `Utf8Bytes`. Dereferences to `&str`.
///
/// ```
/// use websocket_engine::Utf8Bytes;
///
/// let text = Utf8Bytes::from("héllo");
/// let copy = text.clone(); // no copy of the text: a shared reference
/// assert_eq!(copy, "héllo");
/// assert_eq!(copy.len(), 6);
/// assert!(Utf8Bytes::try_from(bytes::Bytes::from_static(b"\xff")).is_err());
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Utf8Bytes(Bytes);

impl Utf8Bytes {
    /// Text from a static string, without allocating.
    pub const fn from_static(text: &'static str) -> Utf8Bytes {
        Utf8Bytes(Bytes::from_static(text.as_bytes()))
    }

    /// The text.
    #[allow(unsafe_code)]
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor takes a `str` or checks the bytes as
        // UTF-8, and the bytes are immutable after.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// The text's bytes, shared.
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// The underlying bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl Deref for Utf8Bytes {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Utf8Bytes {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for Utf8Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for Utf8Bytes {
    /// Takes the string's buffer, without a copy.
    fn from(text: String) -> Utf8Bytes {
        Utf8Bytes(Bytes::from(text))
    }
}

impl From<&str> for Utf8Bytes {
    fn from(text: &str) -> Utf8Bytes {
        Utf8Bytes(Bytes::copy_from_slice(text.as_bytes()))
    }
}

impl From<Utf8Bytes> for Bytes {
    fn from(text: Utf8Bytes) -> Bytes {
        text.0
    }
}

impl TryFrom<Bytes> for Utf8Bytes {
    type Error = std::str::Utf8Error;
    /// Checks `bytes` as UTF-8 and keeps them, without a copy.
    fn try_from(bytes: Bytes) -> Result<Utf8Bytes, Self::Error> {
        std::str::from_utf8(&bytes)?;
        Ok(Utf8Bytes(bytes))
    }
}

impl PartialEq<str> for Utf8Bytes {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Utf8Bytes {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Utf8Bytes {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

/// A complete message, from the peer or to send. Cloning one shares its
/// payload (a reference count), so one message can go to many connections.
///
/// ```
/// use websocket_engine::Message;
///
/// let message = Message::text("hello");
/// assert_eq!(message.as_text(), Some("hello"));
/// assert_eq!(Message::binary(vec![1, 2, 3]).payload().as_ref(), &[1, 2, 3]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(Utf8Bytes),
    /// A binary message: an RFC 6455 binary message, or a hixie
    /// length-prefixed frame of type 0x80.
    Binary(Bytes),
    /// hixie75 and hixie76 only: a length-prefixed frame of another type
    /// (0x81..=0xFF), to which the drafts give no meaning. RFC 6455 never
    /// makes or takes one.
    HixieFrame {
        /// The frame's type byte.
        frame_type: u8,
        /// Its payload.
        data: Bytes,
    },
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<Utf8Bytes>) -> Message {
        Message::Text(text.into())
    }

    /// A binary message.
    pub fn binary(data: impl Into<Bytes>) -> Message {
        Message::Binary(data.into())
    }

    /// The text of a text message.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Message::Text(text) => Some(text.as_str()),
            _ => None,
        }
    }

    /// The payload, whatever the kind (a text message's UTF-8 bytes).
    pub fn payload(&self) -> &Bytes {
        match self {
            Message::Text(text) => text.as_bytes(),
            Message::Binary(data) | Message::HixieFrame { data, .. } => data,
        }
    }

    /// The payload's length in bytes.
    pub fn len(&self) -> usize {
        self.payload().len()
    }

    /// True for an empty payload.
    pub fn is_empty(&self) -> bool {
        self.payload().is_empty()
    }
}
