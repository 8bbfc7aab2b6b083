//! Who sent a request that came through reverse proxies the server trusts: the address a
//! per-client rate limit counts, which behind nginx is otherwise always nginx's own.
//!
//! Only hops the operator named are believed. From a trusted peer, `X-Forwarded-For` is read
//! right to left (each proxy appends the address it saw) past every trusted address; the first
//! one that is not trusted is the client. Anything a client wrote itself sits to the left of
//! that and is never reached, so a client cannot choose its own address.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

/// An address or a network whose connections are trusted proxies: `127.0.0.1`, `10.0.0.0/8`,
/// `::1`, `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IP address or network (like 10.0.0.0/8, 127.0.0.1 or fd00::/8)")]
pub struct NetworkError(String);

impl FromStr for Network {
    type Err = NetworkError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || NetworkError(s.to_owned());
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s.trim(), None),
        };
        let addr = IpAddr::from_str(addr).map_err(|_| bad())?.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Self { addr, prefix })
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let max = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.prefix == max {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

impl Network {
    /// Whether `ip` is in this network (an IPv4 address written as IPv6, `::ffff:a.b.c.d`,
    /// counts as the IPv4 one).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (a, b, bits) = match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (
                u128::from(u32::from(a)) << 96,
                u128::from(u32::from(b)) << 96,
                self.prefix,
            ),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), self.prefix),
            _ => return false,
        };
        let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
        a & mask == b & mask
    }
}

/// The address a request came from: `peer` (the connection's), unless it is a trusted proxy;
/// then the right-most address in `forwarded_for` (the `X-Forwarded-For` values in the order
/// they arrived) that is not trusted. An entry that does not parse ends the walk at the hop
/// that wrote it, which is then counted as the client.
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &[Network]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut client = peer.to_canonical();
    if !is_trusted(client) {
        return client;
    }
    let hops = forwarded_for
        .iter()
        .flat_map(|value| value.split(','))
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            return client;
        };
        client = ip;
        if !is_trusted(ip) {
            return ip;
        }
    }
    client
}

/// The key per-client limits count a client by: an IPv4 address itself, an IPv6 address by
/// its /64. A host or household is usually given a whole /64, so counting single IPv6
/// addresses would let one client take fresh ones at will.
pub fn client_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let block = Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64));
            format!("{block}/64")
        }
    }
}

/// One `X-Forwarded-For` entry: an address, an IPv6 one in brackets, either with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = IpAddr::from_str(hop) {
        return Some(ip.to_canonical());
    }
    if let Ok(addr) = std::net::SocketAddr::from_str(hop) {
        return Some(addr.ip().to_canonical());
    }
    let inner = hop.strip_prefix('[')?.strip_suffix(']')?;
    IpAddr::from_str(inner).ok().map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<Network> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn networks_parse_and_contain_what_they_should() {
        let table: &[(&str, &str, bool)] = &[
            ("127.0.0.1", "127.0.0.1", true),
            ("127.0.0.1", "127.0.0.2", false),
            ("10.0.0.0/8", "10.200.3.4", true),
            ("10.0.0.0/8", "11.0.0.1", false),
            ("0.0.0.0/0", "203.0.113.9", true),
            ("0.0.0.0/0", "::1", false),
            ("::1", "::1", true),
            ("fd00::/8", "fd12:3456::1", true),
            ("fd00::/8", "fe80::1", false),
            ("127.0.0.1", "::ffff:127.0.0.1", true),
            ("::ffff:10.0.0.1", "10.0.0.1", true),
        ];
        for (net, addr, inside) in table {
            let n: Network = net.parse().unwrap();
            assert_eq!(n.contains(ip(addr)), *inside, "{net} contains {addr}");
        }
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0",
            "localhost",
            "10.0.0.0/x",
        ] {
            assert!(bad.parse::<Network>().is_err(), "{bad:?} parsed");
        }
        assert_eq!(
            "10.0.0.0/8".parse::<Network>().unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!("::1".parse::<Network>().unwrap().to_string(), "::1");
    }

    #[test]
    fn clients_are_counted_by_ipv4_address_or_ipv6_block() {
        for (addr, key) in [
            ("203.0.113.9", "203.0.113.9"),
            ("::ffff:203.0.113.9", "203.0.113.9"),
            ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
            ("2001:db8:1:2::ffff", "2001:db8:1:2::/64"),
            ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
            ("::1", "::/64"),
        ] {
            assert_eq!(client_key(ip(addr)), key, "{addr}");
        }
    }

    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_right() {
        let trusted = nets(&["127.0.0.1", "10.0.0.0/8"]);
        let table: &[(&str, &[&str], &str)] = &[
            // Not through a trusted proxy: the header is the client's own and ignored.
            ("203.0.113.9", &["198.51.100.1"], "203.0.113.9"),
            // nginx on loopback appended the address it saw.
            ("127.0.0.1", &["198.51.100.7"], "198.51.100.7"),
            // Two proxies; the client wrote its own first entry, which is never reached.
            (
                "127.0.0.1",
                &["1.2.3.4, 198.51.100.7, 10.1.1.1"],
                "198.51.100.7",
            ),
            // The same spread over several header lines.
            (
                "127.0.0.1",
                &["1.2.3.4", "198.51.100.7", "10.1.1.1"],
                "198.51.100.7",
            ),
            // A trusted peer that passed no header: the peer.
            ("127.0.0.1", &[], "127.0.0.1"),
            // Every hop trusted: the left-most.
            ("127.0.0.1", &["10.0.0.5, 10.0.0.6"], "10.0.0.5"),
            // Forms with ports and brackets.
            ("127.0.0.1", &["198.51.100.7:4711"], "198.51.100.7"),
            ("127.0.0.1", &["[2001:db8::7]:4711"], "2001:db8::7"),
            ("127.0.0.1", &["[2001:db8::8]"], "2001:db8::8"),
            // Garbage stops at the hop that passed it on.
            ("127.0.0.1", &["198.51.100.7, nonsense"], "127.0.0.1"),
            ("127.0.0.1", &["nonsense, 10.0.0.9"], "10.0.0.9"),
            // An IPv4 peer written as IPv6.
            ("::ffff:127.0.0.1", &["198.51.100.7"], "198.51.100.7"),
        ];
        for (peer, header, want) in table {
            assert_eq!(
                client_address(ip(peer), header, &trusted),
                ip(want),
                "peer {peer}, X-Forwarded-For {header:?}"
            );
        }
        // Bytes that are not an address (a lossily decoded non-UTF-8 value, say) stop the walk
        // only at their own position: the entry nginx appended after them still counts.
        assert_eq!(
            client_address(
                ip("127.0.0.1"),
                &["\u{fffd}\u{fffd}, 198.51.100.7"],
                &trusted
            ),
            ip("198.51.100.7")
        );
        // With nothing trusted, the header never counts.
        assert_eq!(
            client_address(ip("127.0.0.1"), &["198.51.100.7"], &[]),
            ip("127.0.0.1")
        );
    }
}
