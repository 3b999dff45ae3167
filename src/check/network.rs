//! Where the terminal may talk to (SEC-4, SEC-7, NET-0, HW-11), its clock (SEC-2) and its browser (SEC-7, MS-1).

use crate::diagnostic::Diagnostic;
use crate::msg;
use crate::net::{Network, is_host_name};
use crate::profile::LoadedProfile;
use url::Url;

pub fn check(loaded: &LoadedProfile, findings: &mut Vec<Diagnostic>) {
    let profile = &loaded.profile;
    let server = &profile.intermediate_server;

    if server.addresses.is_empty() {
        findings.push(
            Diagnostic::error(msg!("check.network.no-address"))
                .item("SEC-7")
                .field("intermediate_server.addresses")
                .help(msg!("check.network.no-address.help")),
        );
    }
    for (i, text) in server.addresses.iter().enumerate() {
        let field = format!("intermediate_server.addresses[{i}]");
        match Network::parse(text) {
            Ok(network) if network.is_too_broad() => findings
                .push(Diagnostic::error(msg!("check.network.too-broad", text = text)).item("NET-0").field(field)),
            Ok(_) => {}
            Err(problem) => findings
                .push(Diagnostic::error(problem).item("SEC-7").field(field).help(msg!("check.network.address.help"))),
        }
    }

    if server.urls.is_empty() {
        findings.push(Diagnostic::error(msg!("check.network.no-url")).item("SEC-7").field("intermediate_server.urls"));
    }
    let server_hosts: Vec<String> = server
        .urls
        .iter()
        .enumerate()
        .filter_map(|(i, text)| check_url(text, &format!("intermediate_server.urls[{i}]"), findings))
        .collect();

    let edge = &profile.edge;
    for (i, site) in edge.script_sites.iter().flatten().enumerate() {
        let field = format!("edge.script_sites[{i}]");
        if let Some(host) = check_url(site, &field, findings)
            && !server_hosts.contains(&host)
        {
            findings.push(
                Diagnostic::warning(msg!("check.network.script-site", host = &host))
                    .item("SEC-7")
                    .field(field)
                    .help(msg!("check.network.script-site.help")),
            );
        }
    }
    if edge.ie_mode == Some(true) {
        findings.push(
            Diagnostic::error(msg!("check.network.ie-mode"))
                .item("MS-1")
                .field("edge.ie_mode")
                .help(msg!("check.network.ie-mode.help")),
        );
    }

    check_addresses(&profile.network.dns_servers, "network.dns_servers", "SEC-4", findings);
    check_addresses(&profile.network.printers, "network.printers", "HW-11", findings);
    check_time(loaded, findings);
    check_hosts_inside_the_server_range(loaded, findings);
    check_ipv6(loaded, findings);
}

/// Edge's one firewall rule allows the server's addresses on 443 and 80: a DNS server, time server or printer inside
/// a server range is then reachable from the browser too, which is more than "only the intermediate server" (SEC-7;
/// scripts review W3.3).
fn check_hosts_inside_the_server_range(loaded: &LoadedProfile, findings: &mut Vec<Diagnostic>) {
    let profile = &loaded.profile;
    let ranges = addresses(&[("intermediate_server.addresses", &profile.intermediate_server.addresses)]);
    for (field, text, host) in addresses(&other_hosts(profile)) {
        if let Some((_, range, _)) = ranges.iter().find(|(_, _, network)| network.contains(&host) && *network != host) {
            findings.push(
                Diagnostic::warning(msg!("check.network.host-in-server-range", host = text, range = range))
                    .item("SEC-7")
                    .field(field)
                    .help(msg!("check.network.host-in-server-range.help")),
            );
        }
    }
}

/// The firewall allows nothing the local policy does not list, Core Networking's ICMPv6 rules included (local rules
/// are ignored): IPv6 neighbour discovery is blocked, so an IPv6 address in the profile would not be reached.
fn check_ipv6(loaded: &LoadedProfile, findings: &mut Vec<Diagnostic>) {
    let profile = &loaded.profile;
    let mut lists = vec![("intermediate_server.addresses", &profile.intermediate_server.addresses)];
    lists.extend(other_hosts(profile));
    for (field, text, _) in addresses(&lists).into_iter().filter(|(_, _, network)| network.address.is_ipv6()) {
        findings.push(
            Diagnostic::warning(msg!("check.network.ipv6", text = text))
                .item("NET-0")
                .field(field)
                .help(msg!("check.network.ipv6.help")),
        );
    }
}

/// The hosts the terminal's rules name besides the server: DNS servers, time servers and printers.
fn other_hosts(profile: &crate::profile::Profile) -> [(&'static str, &Vec<String>); 3] {
    [
        ("network.dns_servers", &profile.network.dns_servers),
        ("time.ntp_servers", &profile.time.ntp_servers),
        ("network.printers", &profile.network.printers),
    ]
}

/// Every entry of these lists that is an address or a network, with its field path (`network.printers[0]`).
fn addresses<'a>(lists: &[(&str, &'a Vec<String>)]) -> Vec<(String, &'a String, Network)> {
    lists
        .iter()
        .flat_map(|(field, list)| {
            list.iter().enumerate().filter_map(move |(i, text)| {
                Network::parse(text).ok().map(|network| (format!("{field}[{i}]"), text, network))
            })
        })
        .collect()
}

/// Parses an intermediate-server URL, returning its host.
fn check_url(text: &str, field: &str, findings: &mut Vec<Diagnostic>) -> Option<String> {
    let url = match Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "https" | "http") && url.host_str().is_some() => url,
        _ => {
            findings.push(Diagnostic::error(msg!("check.network.not-a-url", text = text)).item("SEC-7").field(field));
            return None;
        }
    };
    if url.scheme() == "http" {
        findings.push(Diagnostic::warning(msg!("check.network.not-https", text = text)).item("SEC-3").field(field));
    }
    url.host_str().map(str::to_string)
}

/// Addresses that become firewall allow rules: each must be an address or a network, not a name.
fn check_addresses(addresses: &[String], field: &str, item: &'static str, findings: &mut Vec<Diagnostic>) {
    for (i, text) in addresses.iter().enumerate() {
        let problem = match Network::parse(text) {
            Ok(network) if network.is_too_broad() => Some(msg!("check.network.too-broad-site", text = text)),
            Ok(_) => None,
            Err(problem) => Some(problem),
        };
        if let Some(problem) = problem {
            findings.push(Diagnostic::error(problem).item(item).field(format!("{field}[{i}]")));
        }
    }
}

fn check_time(loaded: &LoadedProfile, findings: &mut Vec<Diagnostic>) {
    let time = &loaded.profile.time;
    match (time.ntp_servers.is_empty(), time.manual_adjustment) {
        (true, false) => findings.push(
            Diagnostic::error(msg!("check.time.none")).item("SEC-2").field("time").help(msg!("check.time.none.help")),
        ),
        (false, true) => {
            findings.push(Diagnostic::error(msg!("check.time.both")).item("SEC-2").field("time.manual_adjustment"))
        }
        _ => {}
    }
    for (i, server) in time.ntp_servers.iter().enumerate() {
        let field = format!("time.ntp_servers[{i}]");
        if Network::parse(server).is_ok() {
            continue;
        }
        let finding = if is_host_name(server) {
            Diagnostic::warning(msg!("check.time.by-name", server = server)).help(msg!("check.time.by-name.help"))
        } else {
            Diagnostic::error(msg!("check.time.not-a-host", server = server))
        };
        findings.push(finding.item("SEC-2").field(field));
    }
}
