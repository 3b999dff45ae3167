//! The catalog of answer-file components and settings (`data/unattend-catalog.json`), generated from Microsoft's
//! Unattended Windows Setup Reference by `scripts/gen-unattend-catalog.py`.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
pub struct Catalog {
    pub passes: Vec<String>,
    pub components: BTreeMap<String, Component>,
    /// Windows time zone IDs (`Tokyo Standard Time`), for settings whose values come from this list.
    #[serde(default)]
    pub time_zones: Vec<String>,
    /// Language tags of Windows language packs (`ja-JP`).
    #[serde(default)]
    pub languages: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Component {
    pub passes: Vec<String>,
    /// Settings by path below the component: `UserAccounts/LocalAccounts/LocalAccount/Name`.
    pub settings: BTreeMap<String, Setting>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SettingKind {
    /// Holds other settings.
    Container,
    /// One of a list: carries `wcm:action`.
    ListItem,
    /// Holds a value.
    Value,
}

#[derive(Debug, Deserialize)]
pub struct Setting {
    pub passes: Vec<String>,
    pub kind: SettingKind,
    /// List items identified by `wcm:keyValue`.
    #[serde(default)]
    pub keyed: bool,
    /// What a value setting may hold, where the reference says.
    #[serde(default)]
    pub value: Option<ValueRule>,
    /// Sibling settings that must not be given with this one.
    #[serde(default)]
    pub excludes: Vec<String>,
    /// Within one list, no two items give this setting the same value (`Order`).
    #[serde(default)]
    pub unique_in_list: bool,
    /// For a password's `Value`: the text Setup expects after the password once it decodes base64 of UTF-16LE.
    #[serde(default)]
    pub password_suffix: Option<String>,
    /// The reference says the setting "applies only to the Windows Server editions": on the terminal's Pro, Setup
    /// ignores it, so writing it only pretends to configure something.
    #[serde(default)]
    pub server_only: bool,
}

/// The values a setting takes, from its page's "Values" section.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ValueRule {
    Boolean,
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Enum {
        #[serde(default)]
        values: Vec<String>,
        /// `time_zones` or `languages`: the values are that list of the catalog.
        values_from: Option<String>,
        #[serde(default)]
        case_sensitive: bool,
        /// False when the list holds only some of the valid values (Microsoft's time-zone table names one zone per
        /// country): then only a near miss of a listed value is refused, as a misspelling.
        #[serde(default = "yes")]
        exhaustive: bool,
    },
    String {
        max_length: Option<usize>,
    },
}

fn yes() -> bool {
    true
}

/// What the catalog says of one path below a component.
pub enum Lookup<'a> {
    /// A setting with a page of its own.
    Setting(&'a Setting),
    /// A container that only the settings below it document; valid in the passes of those.
    Implied(Vec<&'a str>),
    Unknown,
}

const CATALOG_JSON: &str = include_str!("../../data/unattend-catalog.json");

pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| serde_json::from_str(CATALOG_JSON).expect("data/unattend-catalog.json is checked by tests"))
}

impl Component {
    pub fn lookup(&self, path: &str) -> Lookup<'_> {
        if let Some(setting) = self.settings.get(path) {
            return Lookup::Setting(setting);
        }
        let prefix = format!("{path}/");
        let mut passes: Vec<&str> = self
            .settings
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .flat_map(|(_, s)| s.passes.iter().map(String::as_str))
            .collect();
        if passes.is_empty() {
            return Lookup::Unknown;
        }
        passes.sort();
        passes.dedup();
        Lookup::Implied(passes)
    }

    /// The names that may stand below `parent` ("" for the component itself), for suggestions.
    pub fn children(&self, parent: &str) -> Vec<&str> {
        let prefix = if parent.is_empty() { String::new() } else { format!("{parent}/") };
        let mut names: Vec<&str> = self
            .settings
            .keys()
            .filter_map(|p| p.strip_prefix(prefix.as_str()))
            .map(|rest| rest.split('/').next().unwrap_or(rest))
            .collect();
        names.dedup();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_covers_the_reference() {
        let catalog = catalog();
        let settings: usize = catalog.components.values().map(|c| c.settings.len()).sum();
        assert!(
            catalog.components.len() >= 80 && settings >= 1000,
            "{} components, {settings} settings",
            catalog.components.len()
        );
        assert_eq!(catalog.passes.len(), 7);
    }

    #[test]
    fn facts_the_templates_rely_on() {
        let catalog = catalog();
        // LayeredDriver (the 106/109 keyboard) exists only in Windows PE's locale component.
        let holders: Vec<&String> = catalog
            .components
            .iter()
            .filter(|(_, c)| c.settings.contains_key("LayeredDriver"))
            .map(|(n, _)| n)
            .collect();
        assert_eq!(holders, ["Microsoft-Windows-International-Core-WinPE"]);
        let shell = &catalog.components["Microsoft-Windows-Shell-Setup"];
        let Lookup::Setting(first_logon) = shell.lookup("FirstLogonCommands/SynchronousCommand") else { panic!() };
        assert_eq!(
            (first_logon.kind, first_logon.passes.as_slice()),
            (SettingKind::ListItem, ["oobeSystem".to_string()].as_slice())
        );
        assert!(matches!(shell.lookup("UserAccounts"), Lookup::Implied(_) | Lookup::Setting(_)));
        assert!(matches!(shell.lookup("TimeZones"), Lookup::Unknown));
    }
}
