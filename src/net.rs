//! Addresses as Windows Firewall takes them: a single IP address or a network in CIDR notation.

use std::fmt;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    pub address: IpAddr,
    pub prefix: u8,
}

impl Network {
    pub fn parse(text: &str) -> Result<Network, crate::i18n::Message> {
        let (address, prefix) = text.split_once('/').map_or((text, None), |(a, p)| (a, Some(p)));
        let address: IpAddr = address.parse().map_err(|_| crate::msg!("net.not-an-address", text = text))?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => {
                p.parse().ok().filter(|p| *p <= max).ok_or_else(|| crate::msg!("net.prefix", text = text, max = max))?
            }
        };
        Ok(Network { address, prefix })
    }

    /// The text `Get-NetFirewallAddressFilter` returns for this address, whatever notation the rule was made with:
    /// an IPv4 network with its mask spelled out (`10.20.30.0/255.255.255.0`), a single address bare, an IPv6
    /// network with its prefix length ("Get-NetFirewallAddressFilter always returns CIDR with subnet mask notation",
    /// dsccommunity/NetworkingDsc#404). The self-check compares these strings with what Windows gives back.
    pub fn firewall_filter_form(&self) -> String {
        match self.address {
            IpAddr::V4(address) if self.prefix < 32 => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                format!("{address}/{}", std::net::Ipv4Addr::from(mask))
            }
            _ => self.to_string(),
        }
    }

    /// Whether every address of `other` lies in this network.
    pub fn contains(&self, other: &Network) -> bool {
        let (mine, theirs, max) = match (self.address, other.address) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
            _ => return false,
        };
        let host_bits = max - u32::from(self.prefix);
        let mask = if host_bits >= 128 { 0 } else { u128::MAX << host_bits };
        other.prefix >= self.prefix && mine & mask == theirs & mask
    }

    /// Whether this reaches far beyond any one site: such a range would open the terminal to the internet.
    pub fn is_too_broad(&self) -> bool {
        match self.address {
            IpAddr::V4(_) => self.prefix < 8,
            IpAddr::V6(_) => self.prefix < 32,
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let max = if self.address.is_ipv4() { 32 } else { 128 };
        if self.prefix == max { write!(f, "{}", self.address) } else { write!(f, "{}/{}", self.address, self.prefix) }
    }
}

/// A DNS host name (for NTP servers, which w32tm resolves by name).
pub fn is_host_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_network_contains_its_hosts_and_smaller_networks_only() {
        let site = Network::parse("10.20.30.0/24").unwrap();
        assert!(site.contains(&Network::parse("10.20.30.53").unwrap()));
        assert!(site.contains(&Network::parse("10.20.30.128/25").unwrap()));
        assert!(!site.contains(&Network::parse("10.20.31.1").unwrap()));
        assert!(!site.contains(&Network::parse("10.20.0.0/16").unwrap()));
        assert!(!site.contains(&Network::parse("::ffff:10.20.30.1").unwrap()));
        assert!(Network::parse("0.0.0.0/0").unwrap().contains(&site));
    }

    #[test]
    fn parses_addresses_and_networks() {
        assert_eq!(Network::parse("10.1.2.3").unwrap().to_string(), "10.1.2.3");
        assert_eq!(Network::parse("10.1.2.0/24").unwrap().prefix, 24);
        assert_eq!(Network::parse("fd00::/8").unwrap().prefix, 8);
        assert!(Network::parse("10.1.2.0/33").is_err());
        assert!(Network::parse("chukan.example.lg.jp").is_err());
        assert!(Network::parse("0.0.0.0/0").unwrap().is_too_broad());
        assert!(!Network::parse("10.0.0.0/8").unwrap().is_too_broad());
    }

    #[test]
    fn firewall_filter_form_is_what_windows_returns() {
        let table = [
            ("10.20.30.0/24", "10.20.30.0/255.255.255.0"),
            ("172.16.40.0/22", "172.16.40.0/255.255.252.0"),
            ("10.0.0.0/8", "10.0.0.0/255.0.0.0"),
            ("10.1.2.3/31", "10.1.2.3/255.255.255.254"),
            ("0.0.0.0/0", "0.0.0.0/0.0.0.0"),
            ("10.20.30.5", "10.20.30.5"),
            ("10.20.30.5/32", "10.20.30.5"),
            ("fd00::/8", "fd00::/8"),
            ("fd00::1", "fd00::1"),
        ];
        for (profile, windows) in table {
            assert_eq!(Network::parse(profile).unwrap().firewall_filter_form(), windows, "{profile}");
        }
    }

    #[test]
    fn host_names() {
        assert!(is_host_name("ntp.example.lg.jp"));
        assert!(is_host_name("10.1.2.10"));
        assert!(!is_host_name("ntp..example"));
        assert!(!is_host_name("-ntp.example"));
        assert!(!is_host_name("ntp server"));
    }
}
