//! Builder methods named after a configuration's fields.

/// Implements, for each listed field, a method of the same name that sets
/// it and returns the value: `Limits::new().max_headers(32)`.
macro_rules! setters {
    ($ty:ident { $($field:ident: $t:ty),* $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!("Sets `", stringify!($field), "` (see the field).")]
                pub fn $field(mut self, value: $t) -> $ty {
                    self.$field = value;
                    self
                }
            )*
        }
    };
}

pub(crate) use setters;

/// The builder methods client and server configurations share: limits,
/// timers, the hixie UTF-8 policy and the subprotocols (a client's offer,
/// a server's supported list).
macro_rules! config_setters {
    ($ty:ident) => {
        setters!($ty {
            limits: Limits,
            timeouts: Timeouts,
            utf8: Utf8Policy,
        });

        impl $ty {
            /// Sets the subprotocols, most preferred first (see the field).
            pub fn protocols<S: Into<String>>(mut self, protocols: impl IntoIterator<Item = S>) -> $ty {
                self.protocols = protocols.into_iter().map(Into::into).collect();
                self
            }

            /// Sets [`Limits::max_message_bytes`].
            pub fn max_message_size(mut self, bytes: usize) -> $ty {
                self.limits.max_message_bytes = bytes;
                self
            }

            /// Sets [`Limits::max_frame_bytes`].
            pub fn max_frame_size(mut self, bytes: usize) -> $ty {
                self.limits.max_frame_bytes = bytes;
                self
            }
        }
    };
}

pub(crate) use config_setters;
