//! .NET types and static members checked against the type catalog (`data/dotnet-types.json`, kept by hand from
//! Microsoft's .NET API reference, MicrosoftDocs' dotnet-api-docs, each type with the file it was read from):
//! every type a script names — in a cast, a `-is` test, `New-Object` or `[Type]::Member` — exists in .NET
//! Framework 4.8, which Windows PowerShell 5.1 runs on, or is a type accelerator of 5.1 or a type that the set
//! itself defines with `Add-Type`; and every static member called through `[Type]::` is one the catalog lists for
//! that type. A type or member only in newer .NET (PowerShell 7) fails on the terminal at run time, where nobody
//! reads the error; here it fails the build.
//!
//! Instance members (`$rsa.SignData(…)`) are not checked: that needs the type of every variable. The catalog
//! still lists the ones the built-in scripts call, with their sources, for the reader.

use super::syntax::{Command, Parsed};
use super::{Finding, Rule};
use crate::msg;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use tree_sitter::Node;

#[derive(Debug, Deserialize)]
pub struct TypeCatalog {
    /// Accelerator (lowercase) → full type name, from `about_Type_Accelerators` for 5.1.
    pub accelerators: BTreeMap<String, String>,
    /// Type-literal forms that are no type (`[ordered]`), with their source.
    pub keywords: BTreeMap<String, String>,
    /// Full type name → what the scripts may use of it.
    pub types: BTreeMap<String, DotnetType>,
}

#[derive(Debug, Deserialize)]
pub struct DotnetType {
    /// Where the type was read: a file of dotnet/dotnet-api-docs.
    pub source: String,
    /// The static members (methods, properties, fields) scripts may call with `[Type]::Member`.
    #[serde(rename = "static", default)]
    pub static_members: Vec<String>,
    /// Instance members the built-in scripts call, for the reader; not checked.
    #[serde(default)]
    pub instance: Vec<String>,
}

const CATALOG_JSON: &str = include_str!("../../data/dotnet-types.json");

pub fn catalog() -> &'static TypeCatalog {
    static CATALOG: OnceLock<TypeCatalog> = OnceLock::new();
    CATALOG.get_or_init(|| serde_json::from_str(CATALOG_JSON).expect("data/dotnet-types.json is checked by tests"))
}

/// The types the set defines itself: the classes of every `Add-Type -TypeDefinition` in any of its scripts.
pub fn defined_types(scripts: &[Parsed]) -> BTreeSet<String> {
    let class = regex::Regex::new(r"\b(?:class|struct|enum)\s+([A-Za-z_][A-Za-z0-9_]*)").expect("a valid pattern");
    scripts
        .iter()
        .flat_map(|script| {
            super::syntax::commands(script, &|_, _| false)
                .into_iter()
                .filter(|c| c.literal_name(script).is_some_and(|n| n.eq_ignore_ascii_case("Add-Type")))
                .filter_map(|c| {
                    c.named(script, "TypeDefinition")
                        .and_then(|a| a.values.first())
                        .map(|v| script.source(*v).to_string())
                })
                .collect::<Vec<_>>()
        })
        .flat_map(|definition| class.captures_iter(&definition).map(|c| c[1].to_ascii_lowercase()).collect::<Vec<_>>())
        .collect()
}

/// What a written type name resolves to.
enum Resolved<'c> {
    Catalogued(&'c str, &'c DotnetType),
    /// An accelerator whose type the catalog does not describe further, or a type of the set: any use but
    /// `[Type]::Member` of an uncatalogued one is fine.
    Known,
    Unknown,
}

/// Resolves `written` as PowerShell does: an accelerator, a full name, or a name in `System`.
fn resolve<'c>(catalog: &'c TypeCatalog, defined: &BTreeSet<String>, written: &str) -> Resolved<'c> {
    let lower = written.to_ascii_lowercase();
    let full = catalog.accelerators.get(&lower).map(String::as_str).unwrap_or(written);
    let found = catalog
        .types
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(full) || name.eq_ignore_ascii_case(&format!("System.{full}")));
    match found {
        Some((name, dotnet)) => Resolved::Catalogued(name, dotnet),
        None if catalog.accelerators.contains_key(&lower)
            || catalog.keywords.contains_key(&lower)
            || defined.contains(&lower) =>
        {
            Resolved::Known
        }
        None => Resolved::Unknown,
    }
}

/// The type names inside a written type: `List[object]` gives `List`1`'s name and `object`; `string[]` gives
/// `string`.
fn names_in(written: &str) -> Vec<String> {
    let written = written.trim();
    let Some(open) = written.find('[') else {
        return vec![written.to_string()];
    };
    let base = &written[..open];
    let inner = written[open + 1..written.rfind(']').unwrap_or(written.len())].trim();
    if inner.is_empty() || inner.chars().all(|c| c == ',') {
        // An array: `byte[]`, `int[,]`.
        return names_in(base);
    }
    let arity = inner.split(',').count();
    let mut names = vec![format!("{base}`{arity}")];
    names.extend(inner.split(',').flat_map(|argument| names_in(argument.trim().trim_matches(['[', ']']))));
    names
}

pub fn check(script: &Parsed, commands: &[Command], defined: &BTreeSet<String>, findings: &mut Vec<Finding>) {
    let catalog = catalog();
    let mut unknown = |offset: usize, written: &str| {
        for name in names_in(written) {
            if let Resolved::Unknown = resolve(catalog, defined, &name) {
                findings.push(Finding::new(Rule::Type, offset, msg!("powershell.unknown-type", name = name)));
            }
        }
    };
    for node in script.nodes() {
        if node.kind() == "type_literal" {
            let written = script.source(node).trim_start_matches('[').trim_end_matches(']');
            unknown(node.start_byte(), written);
        }
    }
    for command in commands {
        if command.literal_name(script).is_some_and(|n| n.eq_ignore_ascii_case("New-Object"))
            && let Some(argument) = command.named(script, "TypeName").or_else(|| command.positional().first().copied())
            && let Some(value) = argument.values.first()
        {
            let written = script.source(*value).trim_matches(['\'', '"']);
            unknown(value.start_byte(), written);
        }
    }
    for node in script.nodes() {
        if let Some((type_node, member)) = static_member(script, node) {
            let written = script.source(type_node).trim_start_matches('[').trim_end_matches(']');
            let member = script.source(member);
            if let Resolved::Catalogued(name, dotnet) = resolve(catalog, defined, written)
                && !dotnet.static_members.iter().any(|m| m.eq_ignore_ascii_case(member))
            {
                findings.push(Finding::new(
                    Rule::Type,
                    node.start_byte(),
                    msg!("powershell.unknown-static-member", name = name, member = member, source = &dotnet.source),
                ));
            } else if let Resolved::Known = resolve(catalog, defined, written)
                && !defined.contains(&written.to_ascii_lowercase())
            {
                findings.push(Finding::new(
                    Rule::Type,
                    node.start_byte(),
                    msg!("powershell.uncatalogued-static-member", name = written, member = member),
                ));
            }
        }
    }
}

/// `[Type]::Member` or `[Type]::Member(…)`: the type literal and the member's name (not `[Type].Member`, a member
/// of the `System.Type` object).
fn static_member<'t>(script: &Parsed, node: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
    if !matches!(node.kind(), "member_access" | "invokation_expression") {
        return None;
    }
    let mut cursor = node.walk();
    let children: Vec<Node> = node.named_children(&mut cursor).collect();
    let type_node = *children.first().filter(|c| c.kind() == "type_literal")?;
    let member = *children.iter().find(|c| c.kind() == "member_name")?;
    (script.text[type_node.end_byte()..member.start_byte()].trim() == "::").then_some((type_node, member))
}
