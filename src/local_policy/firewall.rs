//! Windows Firewall as Group Policy: the profiles' settings and the allow rules of the template set's
//! `local-policy.toml`, encoded as [MS-GPFAS] (Group Policy: Firewall and Advanced Security Data Structure) says,
//! under `Software\Policies\Microsoft\WindowsFirewall` in the local GPO's `Registry.pol`.
//!
//! With `AllowLocalPolicyMerge` 0 Windows ignores every rule that is not in Group Policy (MS-GPFAS §2.2.3.13;
//! Set-NetFirewallProfile: "False: The firewall rules defined by the local administrator are ignored, and only
//! firewall rules from GPOs are applied"): the inbox allow rules (Core Networking DNS and DHCP to any address,
//! Teredo, IPHTTPS, the apps' AppContainer rules) stop counting, and the rules here are all the terminal allows
//! (scripts review W3). That is why DNS, DHCP and time each have a rule bound to the one service
//! that needs it.

use super::ExpectedValue;
use super::pol::{PolData, PolEntry};
use crate::msg;
use crate::net::Network;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

const FIREWALL_KEY: &str = "Software\\Policies\\Microsoft\\WindowsFirewall";
const RULES_KEY: &str = "Software\\Policies\\Microsoft\\WindowsFirewall\\FirewallRules";
/// MS-GPFAS §2.2.3: the three profiles' keys.
const PROFILES: [&str; 3] = ["DomainProfile", "PrivateProfile", "PublicProfile"];
/// The rule grammar's version: 2.10 (0x020A) is read by every Windows since 7 (MS-GPFAS §1.7, note 1), and has all
/// the tokens used here.
const RULE_VERSION: &str = "v2.10";
/// The rules' group (FW_RULE's wszEmbeddedContext), which `Get-NetFirewallRule` shows as `Group`.
pub const GROUP: &str = "tanmatsu";

/// The `[firewall]` table and `[[firewall.rule]]` entries of `local-policy.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FirewallList {
    pub item: String,
    /// In KiB, for the log of dropped packets in every profile.
    pub log_size_kb: u32,
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleSetting>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleSetting {
    pub item: String,
    /// The rule's ID: the registry value's name.
    pub id: String,
    pub name: String,
    /// `out` (the default) or `in`.
    #[serde(default = "outbound")]
    pub direction: String,
    /// `tcp` or `udp`.
    pub protocol: String,
    /// Addresses or CIDR networks; none means any address.
    #[serde(default)]
    pub remote_addresses: Vec<String>,
    pub remote_ports: Vec<u16>,
    #[serde(default)]
    pub local_ports: Vec<u16>,
    /// The one program, or the one service, that may use the rule.
    pub program: Option<String>,
    pub service: Option<String>,
}

fn outbound() -> String {
    "out".into()
}

/// A checked rule.
#[derive(Debug, Clone)]
struct Rule {
    setting: RuleSetting,
    /// MS-GPFAS's DIR-VAL: `In` or `Out`.
    direction: &'static str,
    protocol: u8,
    remote: Vec<Network>,
}

#[derive(Debug, Clone, Default)]
pub struct Firewall {
    item: String,
    log_size_kb: u32,
    rules: Vec<Rule>,
}

/// A rule as the self-check finds it in `Get-NetFirewallRule -PolicyStore ActiveStore` and its filters.
#[derive(Debug, Clone, Serialize)]
pub struct ExpectedRule {
    pub item: String,
    pub display_name: String,
    /// `Inbound` or `Outbound`, as `Get-NetFirewallRule` gives it.
    pub direction: &'static str,
    /// `TCP` or `UDP`, as `Get-NetFirewallPortFilter` gives it.
    pub protocol: &'static str,
    /// As `Get-NetFirewallAddressFilter` gives them; `Any` for none.
    pub remote_addresses: Vec<String>,
    pub remote_ports: Vec<String>,
    pub local_ports: Vec<String>,
    /// `Any` when the rule is not bound to one.
    pub program: String,
    pub service: String,
}

impl Firewall {
    /// Checks the list: known protocols, addresses that parse, exactly one of program or service, names that the
    /// rule grammar can carry (no `|`, which separates its fields) and that Registry.pol can carry.
    pub fn parse(list: FirewallList) -> Result<Firewall, Vec<crate::diagnostic::Diagnostic>> {
        use crate::diagnostic::Diagnostic;
        let mut problems = Vec::new();
        let mut rules = Vec::new();
        let mut ids = std::collections::BTreeSet::new();
        for setting in list.rules {
            let field = format!("firewall.rule {}", setting.id);
            let direction = match setting.direction.as_str() {
                "out" => "Out",
                "in" => "In",
                other => {
                    problems.push(Diagnostic::error(msg!("local-policy.direction", direction = other)).field(field));
                    continue;
                }
            };
            let protocol = match setting.protocol.as_str() {
                "tcp" => 6,
                "udp" => 17,
                other => {
                    problems.push(Diagnostic::error(msg!("local-policy.protocol", protocol = other)).field(field));
                    continue;
                }
            };
            let remote: Result<Vec<Network>, _> = setting.remote_addresses.iter().map(|a| Network::parse(a)).collect();
            let remote = match remote {
                Ok(remote) => remote,
                Err(message) => {
                    problems.push(Diagnostic::error(message).field(field));
                    continue;
                }
            };
            let texts = [Some(&setting.id), Some(&setting.name), setting.program.as_ref(), setting.service.as_ref()];
            let fits = texts.iter().flatten().all(|t| !t.is_empty() && !t.contains('|'))
                && super::pol::fits(RULES_KEY, &setting.id);
            if !fits || setting.program.is_some() == setting.service.is_some() || setting.remote_ports.is_empty() {
                problems.push(Diagnostic::error(msg!("local-policy.rule-shape")).field(field));
                continue;
            }
            if !ids.insert(setting.id.to_ascii_lowercase()) {
                problems.push(Diagnostic::error(msg!("local-policy.duplicate")).field(field));
                continue;
            }
            rules.push(Rule { setting, direction, protocol, remote });
        }
        if problems.is_empty() {
            Ok(Firewall { item: list.item, log_size_kb: list.log_size_kb, rules })
        } else {
            Err(problems)
        }
    }

    /// Every profile on, both directions blocked, local rules ignored, dropped packets logged; then the rules.
    pub fn pol_entries(&self) -> Vec<PolEntry> {
        let mut entries: Vec<PolEntry> = self
            .profile_values()
            .into_iter()
            .filter_map(|(key, name, value)| PolEntry::new(&key, name, PolData::Dword(value)))
            .collect();
        // A rule list replaces whatever rules the local GPO held before.
        entries.extend(PolEntry::new(RULES_KEY, super::pol::DELETE_ALL_VALUES, PolData::String(" ".into())));
        entries.extend(
            self.rules
                .iter()
                .filter_map(|rule| PolEntry::new(RULES_KEY, &rule.setting.id, PolData::String(rule.encode()))),
        );
        entries
    }

    /// The profiles' values, for the step's and the check's read-back.
    pub fn expected_values(&self) -> Vec<ExpectedValue> {
        self.profile_values()
            .into_iter()
            .map(|(key, name, value)| super::expected_value(&self.item, &key, name, &super::PolicyData::Dword(value)))
            .collect()
    }

    pub fn expected_rules(&self) -> Vec<ExpectedRule> {
        self.rules
            .iter()
            .map(|rule| {
                let ports = |ports: &[u16]| -> Vec<String> {
                    if ports.is_empty() { vec!["Any".into()] } else { ports.iter().map(u16::to_string).collect() }
                };
                ExpectedRule {
                    item: rule.setting.item.clone(),
                    display_name: rule.setting.name.clone(),
                    direction: if rule.direction == "In" { "Inbound" } else { "Outbound" },
                    protocol: if rule.protocol == 6 { "TCP" } else { "UDP" },
                    remote_addresses: if rule.remote.is_empty() {
                        vec!["Any".into()]
                    } else {
                        rule.remote.iter().map(Network::firewall_filter_form).collect()
                    },
                    remote_ports: ports(&rule.setting.remote_ports),
                    local_ports: ports(&rule.setting.local_ports),
                    program: rule.setting.program.clone().unwrap_or_else(|| "Any".into()),
                    service: rule.setting.service.clone().unwrap_or_else(|| "Any".into()),
                }
            })
            .collect()
    }

    /// MS-GPFAS §2.2.3.1, .13, .14, .16, .17 (values under each profile's key) and §2.2.3.5, .8 (its `Logging`).
    fn profile_values(&self) -> Vec<(String, &'static str, u32)> {
        let mut values = Vec::new();
        for profile in PROFILES {
            let key = format!("{FIREWALL_KEY}\\{profile}");
            values.push((key.clone(), "EnableFirewall", 1));
            // 1 blocks (§2.2.3.16, §2.2.3.17).
            values.push((key.clone(), "DefaultInboundAction", 1));
            values.push((key.clone(), "DefaultOutboundAction", 1));
            values.push((key.clone(), "AllowLocalPolicyMerge", 0));
            values.push((key.clone(), "AllowLocalIPsecPolicyMerge", 0));
            values.push((format!("{key}\\Logging"), "LogDroppedPackets", 1));
            values.push((format!("{key}\\Logging"), "LogFileSize", self.log_size_kb));
        }
        values
    }
}

impl Rule {
    /// The rule string of MS-GPFAS §2.2.2.19: an active allow rule in every profile (no `Profile=` token means all),
    /// one `RPort=`/`LPort=` per port and one `RA4=`/`RA6=` per address (each token may repeat).
    fn encode(&self) -> String {
        let mut fields = vec![
            RULE_VERSION.to_string(),
            "Action=Allow".into(),
            "Active=TRUE".into(),
            format!("Dir={}", self.direction),
            format!("Protocol={}", self.protocol),
        ];
        fields.extend(self.setting.local_ports.iter().map(|p| format!("LPort={p}")));
        fields.extend(self.setting.remote_ports.iter().map(|p| format!("RPort={p}")));
        for network in &self.remote {
            let token = match network.address {
                IpAddr::V4(_) => "RA4",
                IpAddr::V6(_) => "RA6",
            };
            fields.push(format!("{token}={network}"));
        }
        if let Some(program) = &self.setting.program {
            fields.push(format!("App={program}"));
        }
        if let Some(service) = &self.setting.service {
            fields.push(format!("Svc={service}"));
        }
        fields.push(format!("Name={}", self.setting.name));
        fields.push(format!("EmbedCtxt={GROUP}"));
        fields.join("|") + "|"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(program: Option<&str>, service: Option<&str>) -> RuleSetting {
        RuleSetting {
            item: "NET-0".into(),
            id: "tanmatsu-dns".into(),
            name: "tanmatsu: DNS".into(),
            direction: "out".into(),
            protocol: "udp".into(),
            remote_addresses: vec!["10.20.30.53".into(), "10.20.40.0/24".into()],
            remote_ports: vec![53],
            local_ports: vec![],
            program: program.map(Into::into),
            service: service.map(Into::into),
        }
    }

    #[test]
    fn a_rule_is_spelled_as_ms_gpfas_says() {
        let list = FirewallList { item: "NET-0".into(), log_size_kb: 16384, rules: vec![rule(None, Some("Dnscache"))] };
        let firewall = Firewall::parse(list).unwrap();
        assert_eq!(
            firewall.rules[0].encode(),
            "v2.10|Action=Allow|Active=TRUE|Dir=Out|Protocol=17|RPort=53|RA4=10.20.30.53|RA4=10.20.40.0/24|\
             Svc=Dnscache|Name=tanmatsu: DNS|EmbedCtxt=tanmatsu|"
        );
        let expected = &firewall.expected_rules()[0];
        assert_eq!(expected.remote_addresses, ["10.20.30.53", "10.20.40.0/255.255.255.0"]);
        assert_eq!((expected.program.as_str(), expected.service.as_str()), ("Any", "Dnscache"));
    }

    #[test]
    fn a_rule_is_bound_to_exactly_one_program_or_service() {
        for (program, service) in [(None, None), (Some("a.exe"), Some("Dnscache"))] {
            let list = FirewallList { item: "NET-0".into(), log_size_kb: 1, rules: vec![rule(program, service)] };
            assert!(Firewall::parse(list).is_err());
        }
        let mut piped = rule(None, Some("Dns|cache"));
        piped.id = "x".into();
        assert!(Firewall::parse(FirewallList { item: "NET-0".into(), log_size_kb: 1, rules: vec![piped] }).is_err());
    }
}
