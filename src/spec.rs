//! The terminal spec as data: every item, its section, a Japanese label and how tanmatsu meets it.
//!
//! The catalog lives in `data/spec-items.toml` so that it can be reviewed as a table rather than as code; it is
//! compiled into the binary and parsed once.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// How an item of the spec is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HowMet {
    /// The provisioning media configures it and the terminal's self-check proves it.
    Enforced,
    /// A property of the machine, checked and reported on the terminal.
    Terminal,
    /// Something people must do; tanmatsu can only record it.
    Process,
}

impl HowMet {
    pub fn label(self) -> String {
        match self {
            HowMet::Enforced => crate::t!("how.enforced"),
            HowMet::Terminal => crate::t!("how.terminal"),
            HowMet::Process => crate::t!("how.process"),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SpecItem {
    pub id: String,
    pub section: String,
    pub label_ja: String,
    pub summary: String,
    pub how: HowMet,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalog {
    item: Vec<SpecItem>,
}

const CATALOG_TOML: &str = include_str!("../data/spec-items.toml");

/// Every item of the spec, in the spec's order.
pub fn items() -> &'static [SpecItem] {
    static ITEMS: OnceLock<Vec<SpecItem>> = OnceLock::new();
    ITEMS.get_or_init(|| {
        toml::from_str::<Catalog>(CATALOG_TOML)
            .expect("data/spec-items.toml is compiled in and checked by the test suite")
            .item
    })
}

/// The item with this ID. Rule code names items by literal IDs, so an unknown ID is a programming error that
/// the test suite catches.
pub fn item(id: &str) -> &'static SpecItem {
    items().iter().find(|item| item.id == id).unwrap_or_else(|| panic!("spec item {id} is not in data/spec-items.toml"))
}
