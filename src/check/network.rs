//! Where the terminal may talk to (SEC-4, SEC-7, NET-0, HW-11), its clock (SEC-2) and its browser (SEC-7, MS-1).

use crate::diagnostic::Diagnostic;
use crate::net::{Network, is_host_name};
use crate::profile::LoadedProfile;
use url::Url;

pub fn check(loaded: &LoadedProfile, findings: &mut Vec<Diagnostic>) {
    let profile = &loaded.profile;
    let server = &profile.intermediate_server;

    if server.addresses.is_empty() {
        findings.push(
            Diagnostic::error("no intermediate-server address: the firewall would let the browser reach nothing")
                .item("SEC-7")
                .field("intermediate_server.addresses")
                .help("list the intermediate server's addresses or networks, such as `10.1.2.0/24`"),
        );
    }
    for (i, text) in server.addresses.iter().enumerate() {
        let field = format!("intermediate_server.addresses[{i}]");
        match Network::parse(text) {
            Ok(network) if network.is_too_broad() => findings.push(
                Diagnostic::error(format!(
                    "`{text}` is far wider than the intermediate server and reaches the internet"
                ))
                .item("NET-0")
                .field(field),
            ),
            Ok(_) => {}
            Err(problem) => findings.push(
                Diagnostic::error(problem)
                    .item("SEC-7")
                    .field(field)
                    .help("Windows Firewall matches addresses, not names: put names in `intermediate_server.urls`"),
            ),
        }
    }

    if server.urls.is_empty() {
        findings.push(
            Diagnostic::error("no intermediate-server URL: Edge would open no site at all")
                .item("SEC-7")
                .field("intermediate_server.urls"),
        );
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
                Diagnostic::warning(format!(
                    "scripts are allowed on `{host}`, which is not an intermediate-server site"
                ))
                .item("SEC-7")
                .field(field)
                .help("the spec asks for scripts on the fewest sites; Edge blocks other sites anyway"),
            );
        }
    }
    if edge.ie_mode == Some(true) {
        findings.push(
            Diagnostic::error(
                "Internet Explorer mode cannot be turned on: since June 2023 only Edge itself is supported",
            )
            .item("MS-1")
            .field("edge.ie_mode")
            .help("remove `ie_mode`; tanmatsu turns IE mode off"),
        );
    }

    check_addresses(&profile.network.dns_servers, "network.dns_servers", "SEC-4", findings);
    check_addresses(&profile.network.printers, "network.printers", "HW-11", findings);
    check_time(loaded, findings);
}

/// Parses an intermediate-server URL, returning its host.
fn check_url(text: &str, field: &str, findings: &mut Vec<Diagnostic>) -> Option<String> {
    let url = match Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "https" | "http") && url.host_str().is_some() => url,
        _ => {
            findings.push(
                Diagnostic::error(format!("`{text}` is not a web address such as `https://chukan.example.lg.jp/`"))
                    .item("SEC-7")
                    .field(field),
            );
            return None;
        }
    };
    if url.scheme() == "http" {
        findings.push(
            Diagnostic::warning(format!("`{text}` is not HTTPS: the device certificate cannot authenticate over it"))
                .item("SEC-3")
                .field(field),
        );
    }
    url.host_str().map(str::to_string)
}

/// Addresses that become firewall allow rules: each must be an address or a network, not a name.
fn check_addresses(addresses: &[String], field: &str, item: &'static str, findings: &mut Vec<Diagnostic>) {
    for (i, text) in addresses.iter().enumerate() {
        let problem = match Network::parse(text) {
            Ok(network) if network.is_too_broad() => Some(format!("`{text}` is far wider than one site")),
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
            Diagnostic::error("the clock has no time server and no manual adjustment: audit logs need accurate time")
                .item("SEC-2")
                .field("time")
                .help("add `[time] ntp_servers = [\"10.1.2.10\"]`, or where there is none, `manual_adjustment = true`"),
        ),
        (false, true) => findings.push(
            Diagnostic::error("both time servers and manual adjustment are given; choose one")
                .item("SEC-2")
                .field("time.manual_adjustment"),
        ),
        _ => {}
    }
    for (i, server) in time.ntp_servers.iter().enumerate() {
        let field = format!("time.ntp_servers[{i}]");
        if Network::parse(server).is_ok() {
            continue;
        }
        let finding = if is_host_name(server) {
            Diagnostic::warning(format!(
                "the time server `{server}` is given by name, but the firewall opens port 123 only to addresses"
            ))
            .help("give the time server's IP address")
        } else {
            Diagnostic::error(format!("`{server}` is not a host name or an IP address"))
        };
        findings.push(finding.item("SEC-2").field(field));
    }
}
