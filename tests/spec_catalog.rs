//! The spec catalog covers every item of our restatement of the spec, and nothing else.

mod common;

use common::repo;
use std::collections::BTreeSet;
use tanmatsu::spec::{self, HowMet};

/// Every item ID that `spec/requirements.md` defines (the first cell of a table row, or a `(NET-0)` style rule).
fn ids_in_requirements(text: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        if let Some((prefix, number)) = word.split_once('-')
            && ["HW", "SW", "SEC", "MED", "NET", "MS", "UPD"].contains(&prefix)
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
        {
            ids.insert(word.to_string());
        }
    }
    ids
}

#[test]
fn every_spec_item_has_exactly_one_catalog_entry() {
    let requirements = std::fs::read_to_string(repo().join("spec/requirements.md")).unwrap();
    let wanted = ids_in_requirements(&requirements);
    assert!(wanted.len() >= 38, "the restatement defines at least 38 items, found {}", wanted.len());
    let catalog: Vec<&str> = spec::items().iter().map(|i| i.id.as_str()).collect();
    let have: BTreeSet<String> = catalog.iter().map(|s| s.to_string()).collect();
    assert_eq!(have.len(), catalog.len(), "an ID appears twice in data/spec-items.toml");
    let missing: Vec<_> = wanted.difference(&have).collect();
    let unknown: Vec<_> = have.difference(&wanted).collect();
    assert!(missing.is_empty(), "spec items without a catalog entry: {missing:?}");
    assert!(unknown.is_empty(), "catalog entries that are not spec items: {unknown:?}");
}

#[test]
fn entries_are_complete_and_classified_as_the_requirements_say() {
    for item in spec::items() {
        assert!(!item.section.is_empty() && !item.label_ja.is_empty() && !item.summary.is_empty(), "{}", item.id);
        assert!(item.label_ja.chars().any(|c| c > '\u{3000}'), "{}: the label is Japanese", item.id);
    }
    let how = |id: &str| spec::item(id).how;
    for id in ["MED-1", "MED-3", "MED-4", "MED-5", "NET-1", "NET-3", "UPD-0"] {
        assert_eq!(how(id), HowMet::Process, "{id}");
    }
    for id in ["MED-2", "NET-2", "MS-1", "SW-0", "SW-5", "SEC-1", "SEC-8"] {
        assert_eq!(how(id), HowMet::Enforced, "{id}");
    }
    assert!(spec::items().iter().filter(|i| i.id.starts_with("HW-")).all(|i| i.how == HowMet::Terminal));
}

/// CI runs beside the steering repository's `shared/`: the copy in this repository must not drift from it.
#[test]
fn the_vendored_requirements_match_the_shared_spec() {
    let shared = repo().join("../shared/spec/requirements.md");
    match std::fs::read_to_string(&shared) {
        Ok(text) => assert_eq!(text, std::fs::read_to_string(repo().join("spec/requirements.md")).unwrap()),
        Err(_) => eprintln!("note: {} is not here; nothing to compare", shared.display()),
    }
}
