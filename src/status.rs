//! What an incremental parser made of its input: one type for every
//! layer that parses bytes as they come (the handshakes, a proxy's reply,
//! the frame decoders).

/// What an incremental parser made of its input. Incomplete input is
/// never an error: it is `Partial`, taken whole and kept until the rest
/// arrives.
///
/// ```
/// use websocket_engine::Status;
///
/// // A handshake completes with nothing to hand over (`value` is `()`).
/// let done: Status = Status::Complete { value: (), consumed: 4 };
/// // A frame decoder hands over the frame it decoded.
/// let decoded: Status<&str> = Status::Complete { value: "a frame", consumed: 9 };
/// assert!(matches!(done, Status::Complete { consumed: 4, .. }));
/// assert_eq!(decoded.map(str::len), Status::Complete { value: 7, consumed: 9 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T = ()> {
    /// All of the input was taken (and buffered within the limits); more
    /// is needed.
    Partial,
    /// Done. `value` is what was parsed (a frame; `()` for a handshake or
    /// a proxy's reply); the first `consumed` bytes of the last input were
    /// its, and the rest belong to what comes next (the frames after a
    /// handshake, the next frame).
    Complete {
        /// What was parsed.
        value: T,
        /// How many bytes of the last input it took.
        consumed: usize,
    },
}

impl<T> Status<T> {
    /// The same status with `f` applied to what was parsed.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Status<U> {
        match self {
            Status::Partial => Status::Partial,
            Status::Complete { value, consumed } => Status::Complete {
                value: f(value),
                consumed,
            },
        }
    }
}
