//! What the WASI adapters share about `wasi:sockets` addresses. WASI 0.2
//! and 0.3 name their address types alike and shape them alike, in
//! different generated modules, so the conversions are one macro that each
//! adapter expands over its own module; the rest is plain code.

use std::net::SocketAddr;

use websocket_engine::UsageError;

use crate::Error;

/// The listen backlog a WASI listener asks for unless told otherwise
/// (wasmtime's own default is 128).
pub const DEFAULT_BACKLOG: u32 = 1024;

/// Parses a listen address, `ip:port` (port 0 picks a free port).
pub fn listen_address(address: &str) -> Result<SocketAddr, Error> {
    address.parse().map_err(|_| {
        UsageError::InvalidValue {
            what: "listen address (expected ip:port)",
            got: address.to_owned(),
        }
        .into()
    })
}

/// Defines, over the `wasi:sockets` address types of the module `$types`
/// (`IpAddress`, `IpSocketAddress`, `Ipv4SocketAddress`,
/// `Ipv6SocketAddress`, `IpAddressFamily`), the conversions a WASI
/// adapter makes: `ip_address` and `socket_address` from `std::net`,
/// `listen_socket_address` from a listen address, `local_address` from a
/// socket's report of its own, and `family`.
#[macro_export]
macro_rules! socket_addresses {
    ($types:path) => {
        mod socket_addresses {
            use std::net::{IpAddr, SocketAddr};
            use types::{IpAddress, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress, Ipv6SocketAddress};
            use $types as types;

            /// A `std::net` address as `wasi:sockets` writes it.
            pub(crate) fn ip_address(ip: IpAddr) -> IpAddress {
                match ip {
                    IpAddr::V4(v4) => IpAddress::Ipv4(v4.octets().into()),
                    IpAddr::V6(v6) => {
                        let s = v6.segments();
                        IpAddress::Ipv6((s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]))
                    }
                }
            }

            /// An address and a port as one `wasi:sockets` socket address.
            pub(crate) fn socket_address(address: IpAddress, port: u16) -> IpSocketAddress {
                match address {
                    IpAddress::Ipv4(address) => IpSocketAddress::Ipv4(Ipv4SocketAddress { port, address }),
                    IpAddress::Ipv6(address) => IpSocketAddress::Ipv6(Ipv6SocketAddress {
                        port,
                        flow_info: 0,
                        address,
                        scope_id: 0,
                    }),
                }
            }

            /// A listen address (`ip:port`; port 0 picks a free port) as
            /// `wasi:sockets` writes it.
            pub(crate) fn listen_socket_address(address: &str) -> Result<IpSocketAddress, $crate::Error> {
                let addr = $crate::sockets::listen_address(address)?;
                Ok(socket_address(ip_address(addr.ip()), addr.port()))
            }

            /// What a socket's `local-address` call reported, as
            /// `std::net` writes it.
            pub(crate) fn local_address(
                reported: Result<IpSocketAddress, impl std::fmt::Debug>,
            ) -> Result<SocketAddr, $crate::Error> {
                reported
                    .map(std_address)
                    .map_err(|e| $crate::Error::transport("local address", e))
            }

            /// A `wasi:sockets` socket address as `std::net` writes it.
            fn std_address(address: IpSocketAddress) -> SocketAddr {
                match address {
                    IpSocketAddress::Ipv4(a) => {
                        let (x, y, z, w) = a.address;
                        SocketAddr::new(IpAddr::from([x, y, z, w]), a.port)
                    }
                    IpSocketAddress::Ipv6(a) => {
                        let (p, q, r, s, t, u, v, w) = a.address;
                        SocketAddr::new(IpAddr::from([p, q, r, s, t, u, v, w]), a.port)
                    }
                }
            }

            /// The family a socket for `address` is made with.
            pub(crate) fn family(address: &IpSocketAddress) -> IpAddressFamily {
                match address {
                    IpSocketAddress::Ipv4(_) => IpAddressFamily::Ipv4,
                    IpSocketAddress::Ipv6(_) => IpAddressFamily::Ipv6,
                }
            }
        }
        use socket_addresses::{family, ip_address, listen_socket_address, local_address, socket_address};
    };
}

#[cfg(test)]
mod tests {
    /// The shapes both WASI versions give their address types.
    mod types {
        #[derive(Debug, PartialEq)]
        pub enum IpAddress {
            Ipv4((u8, u8, u8, u8)),
            Ipv6((u16, u16, u16, u16, u16, u16, u16, u16)),
        }
        #[derive(Debug, PartialEq)]
        pub enum IpAddressFamily {
            Ipv4,
            Ipv6,
        }
        #[derive(Debug, PartialEq)]
        pub struct Ipv4SocketAddress {
            pub port: u16,
            pub address: (u8, u8, u8, u8),
        }
        #[derive(Debug, PartialEq)]
        pub struct Ipv6SocketAddress {
            pub port: u16,
            pub flow_info: u32,
            pub address: (u16, u16, u16, u16, u16, u16, u16, u16),
            pub scope_id: u32,
        }
        #[derive(Debug, PartialEq)]
        pub enum IpSocketAddress {
            Ipv4(Ipv4SocketAddress),
            Ipv6(Ipv6SocketAddress),
        }
    }

    crate::socket_addresses!(crate::sockets::tests::types);

    #[test]
    fn addresses_go_there_and_back() {
        for text in ["127.0.0.1:9001", "[::1]:80", "[2001:db8::7]:65535"] {
            let std: std::net::SocketAddr = text.parse().unwrap();
            let wasi = socket_address(ip_address(std.ip()), std.port());
            let v6 = std.is_ipv6();
            assert_eq!(family(&wasi) == types::IpAddressFamily::Ipv6, v6, "{text}");
            assert_eq!(listen_socket_address(text).unwrap(), wasi, "{text}");
            assert_eq!(local_address(Ok::<_, ()>(wasi)).unwrap(), std, "{text}");
        }
        assert!(listen_socket_address("localhost:80").is_err());
        let refused = local_address(Err::<types::IpSocketAddress, _>("invalid-state"));
        assert!(refused.unwrap_err().to_string().contains("local address"));
    }
}
