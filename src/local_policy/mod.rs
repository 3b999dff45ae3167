//! The terminal's local Group Policy: one declarative list of registry policy values, checked against the policy
//! catalog, written as the `Registry.pol` of the machine's local Group Policy Object, and handed to the scripts in
//! the form Windows reads them back.
//!
//! The list is the template set's `local-policy.toml` (rendered like the scripts, so that it can hold the
//! profile's addresses and lists). Microsoft's own baseline tooling applies settings this way (LGPO.exe writes the
//! local GPO's `Registry.pol`): the values show in `gpedit.msc` and `gpresult`, and Group Policy processing owns
//! them, instead of values written straight into `HKLM\SOFTWARE\Policies` that nothing tracks (scripts review §5.2).
//! The step that installs the file and the self-check read the same list ([`LocalPolicy::expected`]): no value is
//! spelled twice.

pub mod firewall;
pub mod pol;

use crate::diagnostic::Diagnostic;
use crate::msg;
use crate::policy::PolicyCatalog;
use pol::{PolData, PolEntry};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The template that holds the list.
pub const TEMPLATE: &str = "local-policy.toml";

/// The list as the template set gives it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyList {
    #[serde(default)]
    policy: Vec<PolicySetting>,
    firewall: firewall::FirewallList,
}

/// One `[[policy]]` entry: a value under `key` (below HKEY_LOCAL_MACHINE) named `name`, holding exactly one of a
/// DWORD, a string, or a list (the subkey `key\name` with values named 1, 2, 3 …, as list policies are kept).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySetting {
    pub item: String,
    pub key: String,
    pub name: String,
    dword: Option<u32>,
    string: Option<String>,
    list: Option<Vec<String>>,
}

/// A setting's value, once exactly one was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyData {
    Dword(u32),
    String(String),
    List(Vec<String>),
}

impl PolicySetting {
    fn data(&self) -> Option<PolicyData> {
        match (self.dword, &self.string, &self.list) {
            (Some(number), None, None) => Some(PolicyData::Dword(number)),
            (None, Some(text), None) => Some(PolicyData::String(text.clone())),
            (None, None, Some(values)) => Some(PolicyData::List(values.clone())),
            _ => None,
        }
    }
}

/// The checked list.
#[derive(Debug, Clone)]
pub struct LocalPolicy {
    settings: Vec<(PolicySetting, PolicyData)>,
    firewall: firewall::Firewall,
}

/// A value as the scripts read it back: the key below HKEY_LOCAL_MACHINE, the value's text as `[string]` of what
/// .NET's `RegistryKey.GetValue` returns (a DWORD is an Int32 there, so 4294967295 reads as -1), and a list as the
/// values in order.
#[derive(Debug, Clone, Serialize)]
pub struct ExpectedValue {
    pub item: String,
    pub key: String,
    pub name: String,
    /// `DWord`, `String` or `List`.
    pub kind: &'static str,
    pub value: String,
    pub values: Vec<String>,
}

impl LocalPolicy {
    /// Parses the rendered list (`origin` names it in errors) and checks every entry against the catalog and the
    /// firewall's rules against their grammar.
    pub fn parse(origin: &str, text: &str, catalog: &PolicyCatalog) -> Result<LocalPolicy, Vec<Diagnostic>> {
        let list: PolicyList = toml::from_str(text).map_err(|err| {
            vec![Diagnostic::error(msg!("local-policy.syntax", origin = origin, reason = err.message().trim()))]
        })?;
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        let mut settings = Vec::new();
        for setting in list.policy {
            let field = format!("{origin}: {}\\{}", setting.key, setting.name);
            let Some(data) = setting.data() else {
                problems.push(Diagnostic::error(msg!("local-policy.one-value")).field(field));
                continue;
            };
            // A list policy's subkey may share its name with the value that switches it on (AllowInstanceIDs).
            let is_list = matches!(data, PolicyData::List(_));
            if !seen.insert((setting.key.to_ascii_lowercase(), setting.name.to_ascii_lowercase(), is_list)) {
                problems.push(Diagnostic::error(msg!("local-policy.duplicate")).field(field));
                continue;
            }
            match setting_problem(&setting, &data, catalog) {
                None => settings.push((setting, data)),
                Some(problem) => problems.push(problem.field(field)),
            }
        }
        let firewall = match firewall::Firewall::parse(list.firewall) {
            Ok(firewall) => Some(firewall),
            Err(found) => {
                problems.extend(found);
                None
            }
        };
        match firewall {
            Some(firewall) if problems.is_empty() => Ok(LocalPolicy { settings, firewall }),
            _ => Err(problems),
        }
    }

    /// The `Registry.pol` of the machine's local GPO: the listed values, then the firewall's.
    pub fn registry_pol(&self) -> Vec<u8> {
        let mut entries = Vec::new();
        for (setting, data) in &self.settings {
            entries.extend(pol_entries(&setting.key, &setting.name, data));
        }
        entries.extend(self.firewall.pol_entries());
        pol::encode(&entries)
    }

    /// Every value, as the step and the self-check read it back.
    pub fn expected(&self) -> Vec<ExpectedValue> {
        self.settings
            .iter()
            .map(|(setting, data)| expected_value(&setting.item, &setting.key, &setting.name, data))
            .chain(self.firewall.expected_values())
            .collect()
    }

    pub fn firewall(&self) -> &firewall::Firewall {
        &self.firewall
    }
}

/// The catalog knows the value, with this kind of data, and the value is one it allows; the names are ones
/// Registry.pol can carry, and the item is one of the spec's.
fn setting_problem(setting: &PolicySetting, data: &PolicyData, catalog: &PolicyCatalog) -> Option<Diagnostic> {
    if !crate::spec::items().iter().any(|item| item.id == setting.item) {
        return Some(Diagnostic::error(msg!("local-policy.unknown-item", item = &setting.item)));
    }
    let is_list = matches!(data, PolicyData::List(_));
    let known: Vec<_> = catalog
        .values
        .iter()
        .filter(|v| {
            v.key.eq_ignore_ascii_case(&setting.key) && (v.name == "*" || v.name.eq_ignore_ascii_case(&setting.name))
        })
        .filter(|v| (v.kind.as_deref() == Some("list")) == is_list)
        .collect();
    let Some(entry) = known.first() else {
        let help = crate::suggest::did_you_mean(
            &setting.name,
            catalog.values.iter().filter(|v| v.key.eq_ignore_ascii_case(&setting.key)).map(|v| v.name.as_str()),
        )
        .map(|name| msg!("local-policy.did-you-mean", name = name));
        let problem = Diagnostic::error(msg!("local-policy.not-in-catalog"));
        return Some(match help {
            Some(help) => problem.help(help),
            None => problem,
        });
    };
    if entry.managed_only {
        return Some(Diagnostic::error(msg!("local-policy.managed-only", source = &entry.source)));
    }
    let wanted_kind = match data {
        PolicyData::Dword(_) => Some("REG_DWORD"),
        PolicyData::String(_) => Some("REG_SZ"),
        PolicyData::List(_) => None,
    };
    if let (Some(wanted), Some(known)) = (wanted_kind, entry.kind.as_deref())
        && known != wanted
    {
        return Some(Diagnostic::error(msg!("local-policy.wrong-type", known = known, given = wanted)));
    }
    if let (PolicyData::Dword(number), Some(allowed)) = (data, &entry.allowed)
        && !allowed.iter().any(|a| a.as_u64() == Some(u64::from(*number)))
    {
        let allowed: Vec<String> = allowed.iter().map(ToString::to_string).collect();
        return Some(Diagnostic::error(msg!("local-policy.not-allowed", value = number, allowed = allowed.join(", "))));
    }
    // A list is the subkey key\name, its values named **delvals. and 1, 2, 3 …, which always fit.
    let fits = match data {
        PolicyData::List(_) => pol::fits(&format!("{}\\{}", setting.key, setting.name), pol::DELETE_ALL_VALUES),
        _ => pol::fits(&setting.key, &setting.name),
    };
    (!fits).then(|| Diagnostic::error(msg!("local-policy.not-ascii")))
}

/// A value's instructions; a list first deletes what the key held. [`setting_problem`] has refused names that
/// Registry.pol cannot carry.
fn pol_entries(key: &str, name: &str, data: &PolicyData) -> Vec<PolEntry> {
    match data {
        PolicyData::Dword(number) => PolEntry::new(key, name, PolData::Dword(*number)).into_iter().collect(),
        PolicyData::String(text) => PolEntry::new(key, name, PolData::String(text.clone())).into_iter().collect(),
        PolicyData::List(values) => {
            let list_key = format!("{key}\\{name}");
            // The delete-all instruction's data is not read; it is a string, here one space.
            let clear = PolEntry::new(&list_key, pol::DELETE_ALL_VALUES, PolData::String(" ".into()));
            clear
                .into_iter()
                .chain(
                    values.iter().enumerate().filter_map(|(i, v)| {
                        PolEntry::new(&list_key, &(i + 1).to_string(), PolData::String(v.clone()))
                    }),
                )
                .collect()
        }
    }
}

pub(super) fn expected_value(item: &str, key: &str, name: &str, data: &PolicyData) -> ExpectedValue {
    let (kind, value, values) = match data {
        // PowerShell's registry provider returns a REG_DWORD as an Int32.
        PolicyData::Dword(number) => ("DWord", (*number as i32).to_string(), Vec::new()),
        PolicyData::String(text) => ("String", text.clone(), Vec::new()),
        PolicyData::List(values) => ("List", String::new(), values.clone()),
    };
    ExpectedValue { item: item.to_string(), key: key.to_string(), name: name.to_string(), kind, value, values }
}
