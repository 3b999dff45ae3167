//! The local Group Policy: the Registry.pol that render writes is read back by Samba's parser (an implementation of
//! MS-GPREG no one here wrote) and holds exactly what the scripts read back; the template set's list is checked
//! against the policy catalog, so that a misspelt policy stops the build instead of being ignored by Windows.

mod common;

use common::{EXAMPLES, Scratch, organisation_set, tanmatsu};
use std::path::Path;
use std::process::Command;

/// Samba's `preg` NDR parser, through Debian's python3-samba, as `key|name|type|data` lines.
fn samba_entries(pol: &Path) -> Vec<String> {
    let program = r#"
import sys
from samba.dcerpc import preg
from samba.ndr import ndr_unpack
data = open(sys.argv[1], 'rb').read()
parsed = ndr_unpack(preg.file, data)
assert parsed.header.signature == 'PReg' and parsed.header.version == 1, 'header'
assert parsed.num_entries == len(parsed.entries)
for entry in parsed.entries:
    print('%s|%s|%d|%s' % (entry.keyname, entry.valuename, entry.type, entry.data))
"#;
    let output = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(program)
        .arg(pol)
        .output()
        .expect("python3-samba is installed by scripts/test.sh");
    assert!(
        output.status.success(),
        "Samba cannot parse {}: {}",
        pol.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().lines().map(str::to_string).collect()
}

fn render(scratch: &Scratch, profile: &Path) -> std::path::PathBuf {
    let out = scratch.path("media");
    let output = tanmatsu().arg("render").arg(profile).arg("-o").arg(&out).arg("--force").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    out
}

/// The values the scripts read back, from the rendered `local-policy.ps1`: (key, name, value or joined list).
fn listed_values(script: &str) -> Vec<(String, String, String, Vec<String>)> {
    let field = |line: &str, name: &str| -> String {
        let start = line.find(&format!("{name} = '")).unwrap() + name.len() + 4;
        let end = start + line[start..].find("';").unwrap();
        line[start..end].replace("''", "'")
    };
    script
        .lines()
        .filter(|line| line.trim_start().starts_with("@{ Item = ") && line.contains("Kind = "))
        .map(|line| {
            let values = line[line.find("Values = @(").unwrap() + 11..line.rfind(") }").unwrap()]
                .split(", ")
                .filter(|v| !v.is_empty())
                .map(|v| v.trim_matches('\'').replace("''", "'"))
                .collect();
            (field(line, "Key"), field(line, "Name"), field(line, "Value"), values)
        })
        .collect()
}

#[test]
fn samba_reads_back_every_value_the_scripts_check() {
    for example in EXAMPLES {
        let scratch = Scratch::new();
        let out = render(&scratch, &scratch.path(&format!("{example}.toml")));
        let entries = samba_entries(&out.join("tanmatsu/scripts/Registry.pol"));
        let script = std::fs::read_to_string(out.join("tanmatsu/scripts/local-policy.ps1")).unwrap();
        let listed = listed_values(&script);
        assert!(listed.len() > 20, "{example}: {} values", listed.len());
        for (key, name, value, values) in &listed {
            if values.is_empty() && !value.is_empty() {
                // A DWORD is listed as the Int32 PowerShell reads; Samba gives the unsigned number.
                let unsigned = value.parse::<i64>().map(|v| (v as i32 as u32).to_string()).unwrap_or(value.clone());
                let wanted = [format!("{key}|{name}|4|{unsigned}"), format!("{key}|{name}|1|{value}")];
                assert!(
                    entries.iter().any(|e| wanted.contains(e)),
                    "{example}: {key}\\{name} = {value} in {entries:#?}"
                );
            } else {
                // A list: delete what was there, then 1, 2, 3 … in order.
                let list_key = format!("{key}\\{name}");
                let at = entries
                    .iter()
                    .position(|e| *e == format!("{list_key}|**delvals.|1| "))
                    .unwrap_or_else(|| panic!("{example}: {list_key} is cleared first in {entries:#?}"));
                for (i, item) in values.iter().enumerate() {
                    assert_eq!(entries[at + 1 + i], format!("{list_key}|{}|1|{item}", i + 1), "{example}");
                }
            }
        }
        // No "Choose privacy settings" pages at an operator's first sign-in (answer-file review R4).
        assert!(
            entries.contains(&"Software\\Policies\\Microsoft\\Windows\\OOBE|DisablePrivacyExperience|4|1".to_string()),
            "{example}"
        );
        // The firewall: every profile blocks both ways and ignores local rules; the rules are MS-GPFAS strings bound
        // to one program or service.
        for profile in ["DomainProfile", "PrivateProfile", "PublicProfile"] {
            for (name, value) in
                [("DefaultOutboundAction", 1), ("DefaultInboundAction", 1), ("AllowLocalPolicyMerge", 0)]
            {
                let entry = format!("Software\\Policies\\Microsoft\\WindowsFirewall\\{profile}|{name}|4|{value}");
                assert!(entries.contains(&entry), "{example}: {entry}");
            }
        }
        let rules: Vec<&String> = entries
            .iter()
            .filter(|e| e.starts_with("Software\\Policies\\Microsoft\\WindowsFirewall\\FirewallRules|tanmatsu"))
            .collect();
        assert!(!rules.is_empty(), "{example}");
        // Where DHCP asks out, its replies may come in (the inbound half of Core Networking's DHCP rule).
        if rules.iter().any(|r| r.contains("|tanmatsu-dhcp|")) {
            let inbound = rules.iter().find(|r| r.contains("|tanmatsu-dhcp-in|")).expect("the DHCP replies' rule");
            assert!(inbound.contains("|Dir=In|Protocol=17|LPort=68|RPort=67|Svc=Dhcp|"), "{inbound}");
        }
        for rule in rules {
            let data = rule.splitn(4, '|').nth(3).unwrap();
            assert!(
                data.starts_with("v2.10|Action=Allow|Active=TRUE|Dir=") && data.ends_with("|EmbedCtxt=tanmatsu|"),
                "{rule}"
            );
            assert_eq!(
                data.matches("|App=").count() + data.matches("|Svc=").count(),
                1,
                "bound to one program or service: {rule}"
            );
        }
    }
}

/// An organisation adds a policy of its own to the list: spelt right, it reaches the Registry.pol; misspelt, or with
/// a value the policy does not take, the build stops and says which, where Windows would have ignored it.
#[test]
fn the_list_is_checked_against_the_policy_catalog() {
    let base = std::fs::read_to_string(common::repo().join("templates/builtin/local-policy.toml.hbs")).unwrap();
    let with_policy = |name: &str, value: u32| {
        let scratch = Scratch::new();
        let list = format!(
            "{base}\n[[policy]]\nitem = \"SEC-7\"\nkey = 'SOFTWARE\\Policies\\Microsoft\\Edge'\nname = \"{name}\"\ndword = {value}\n"
        );
        organisation_set(&scratch, "kumiai-policy", 1, &[("local-policy.toml.hbs", &list)]);
        let profile =
            scratch.edited_profile("kenpo-kumiai", "template = \"builtin@1\"", "template = \"kumiai-policy@1\"");
        (scratch, profile)
    };
    let (scratch, profile) = with_policy("DeveloperToolsAvailability", 2);
    let out = render(&scratch, &profile);
    let entries = samba_entries(&out.join("tanmatsu/scripts/Registry.pol"));
    assert!(entries.contains(&"SOFTWARE\\Policies\\Microsoft\\Edge|DeveloperToolsAvailability|4|2".to_string()));
    for (name, value, expected) in
        [("DeveloperToolsAvailabilty", 2, "DeveloperToolsAvailability"), ("DeveloperToolsAvailability", 7, "7")]
    {
        let (scratch, profile) = with_policy(name, value);
        let (code, _, stderr) =
            common::outcome(tanmatsu().arg("render").arg(&profile).arg("-o").arg(scratch.path("media")));
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("local policy") && stderr.contains(expected), "{stderr}");
        assert!(!scratch.path("media").exists(), "nothing is written");
    }
}
