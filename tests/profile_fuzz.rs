//! Whatever text arrives, loading and checking a profile ends in a result, never a panic.

mod common;

use common::repo;
use proptest::prelude::*;
use tanmatsu::check::{Context, check};
use tanmatsu::profile::LoadedProfile;

fn example() -> String {
    std::fs::read_to_string(repo().join("examples/kenpo-kumiai.toml")).unwrap()
}

/// Loads `text` as if it were `examples/kenpo-kumiai.toml` (so that relative files resolve) and checks it.
fn load_and_check(text: String) {
    let path = repo().join("examples/kenpo-kumiai.toml");
    if let Ok(loaded) = LoadedProfile::parse(&path, text) {
        let report = check(&loaded, &Context { now: 1_800_000_000, templates: None, windows_media: None });
        let _ = report.render();
        let _ = report.to_json();
    }
}

/// TOML values of any shape, with keys drawn from the profile's own vocabulary so that the loader gets deep.
fn toml_value() -> impl Strategy<Value = toml::Value> {
    let key = prop_oneof![
        Just("schema".to_string()),
        Just("hostname".to_string()),
        Just("password".to_string()),
        Just("generate".to_string()),
        Just("addresses".to_string()),
        Just("installer".to_string()),
        "[a-z_]{1,10}",
    ];
    let leaf = prop_oneof![
        any::<i64>().prop_map(toml::Value::Integer),
        any::<bool>().prop_map(toml::Value::Boolean),
        any::<f64>().prop_map(toml::Value::Float),
        ".{0,20}".prop_map(toml::Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(toml::Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|map| toml::Value::Table(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        load_and_check(text);
    }

    #[test]
    fn arbitrary_toml_never_panics(value in toml_value()) {
        if let toml::Value::Table(table) = value {
            load_and_check(format!("schema = 1\n{}", toml::to_string(&table).unwrap_or_default()));
        }
    }

    /// The example with one of its lines replaced: the profile's real structure with one value gone wrong.
    #[test]
    fn the_example_with_a_line_replaced_never_panics(line in 0usize..80, replacement in "\\PC{0,40}") {
        let text: Vec<String> = example().lines().enumerate()
            .map(|(i, l)| if i == line { replacement.clone() } else { l.to_string() })
            .collect();
        load_and_check(text.join("\n"));
    }

    /// The example with a byte range cut out: truncations and half-deleted tables.
    #[test]
    fn the_example_with_a_cut_never_panics(start in 0usize..3000, length in 0usize..200) {
        let bytes = example().into_bytes();
        let start = start.min(bytes.len());
        let end = (start + length).min(bytes.len());
        let cut = [&bytes[..start], &bytes[end..]].concat();
        load_and_check(String::from_utf8_lossy(&cut).into_owned());
    }
}
