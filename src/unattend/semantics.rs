//! What the answer file says, not only where: values against the reference's "Values" sections, settings given
//! twice, settings that exclude each other, list items that must differ, encoded passwords Setup can decode, and the
//! cross-references Setup relies on. Setup silently ignores some of these faults and stops on others (a duplicate
//! setting, `Size` with `Extend`, a password without its suffix), always on the terminal, never at the desk.

use super::catalog::{Component, Lookup, Setting, SettingKind, ValueRule, catalog};
use crate::i18n::Message;
use crate::msg;
use base64::Engine as _;
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use std::collections::{BTreeMap, BTreeSet};

/// An element of the answer file, with the byte offset where it starts.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
    offset: usize,
    children: Vec<Element>,
}

impl Element {
    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The element at `path` (`a/b/c`) below this one: the first at each step.
    fn at(&self, path: &str) -> Option<&Element> {
        path.split('/').try_fold(self, |element, name| element.child(name))
    }

    fn value(&self) -> &str {
        self.text.trim()
    }
}

/// The answer file as a tree, or `None` when it is not well-formed (the structural validator reports that).
fn parse(xml: &str) -> Option<Element> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        let offset = reader.buffer_position() as usize;
        match reader.read_event().ok()? {
            Event::Start(start) => stack.push(element(&start, offset)),
            Event::Empty(start) => {
                let done = element(&start, offset);
                stack.last_mut()?.children.push(done);
            }
            Event::End(_) => {
                let done = stack.pop()?;
                stack.last_mut()?.children.push(done);
            }
            Event::Text(text) => {
                let text = text.xml_content(quick_xml::XmlVersion::Explicit1_0);
                stack.last_mut()?.text.push_str(&text);
            }
            Event::GeneralRef(reference) => {
                let name = reference.as_ref().to_string();
                let resolved = match name.as_str() {
                    "amp" => "&".to_string(),
                    "lt" => "<".to_string(),
                    "gt" => ">".to_string(),
                    "quot" => "\"".to_string(),
                    "apos" => "'".to_string(),
                    other => reference.resolve_char_ref().ok().flatten().map_or(format!("&{other};"), String::from),
                };
                stack.last_mut()?.text.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut document = stack.pop()?;
    document.children.pop()
}

fn element(start: &quick_xml::events::BytesStart, offset: usize) -> Element {
    let attributes = start
        .attributes()
        .filter_map(Result::ok)
        .map(|a| {
            let value =
                a.normalized_value(quick_xml::XmlVersion::Explicit1_0).map(|v| v.into_owned()).unwrap_or_default();
            (a.key.as_ref().to_string(), value)
        })
        .collect();
    Element { name: start.name().as_ref().to_string(), attributes, offset, ..Element::default() }
}

/// Every semantic problem of `xml`, each with the byte offset of the element it concerns.
pub fn check(xml: &str) -> Vec<(usize, Message)> {
    let Some(root) = parse(xml) else { return Vec::new() };
    let mut findings = Vec::new();
    for settings in root.children.iter().filter(|c| c.name == "settings") {
        let pass = settings.attribute("pass").unwrap_or_default();
        let mut seen = BTreeSet::new();
        for component in settings.children.iter().filter(|c| c.name == "component") {
            let name = component.attribute("name").unwrap_or_default();
            let architecture = component.attribute("processorArchitecture").unwrap_or_default();
            if !seen.insert((name, architecture)) {
                findings.push((component.offset, msg!("unattend.duplicate-component", component = name, pass = pass)));
            }
            if let Some(definition) = catalog().components.get(name) {
                check_children(component, definition, "", &mut findings);
            }
        }
    }
    cross_references(&root, &mut findings);
    findings.sort_by_key(|(offset, _)| *offset);
    findings
}

fn lookup<'c>(component: &'c Component, path: &str) -> Option<&'c Setting> {
    match component.lookup(path) {
        Lookup::Setting(setting) => Some(setting),
        _ => None,
    }
}

/// Checks the children of `element`, which stands at `path` below `component` ("" for the component itself).
fn check_children(element: &Element, component: &Component, path: &str, findings: &mut Vec<(usize, Message)>) {
    let child_path = |name: &str| if path.is_empty() { name.to_string() } else { format!("{path}/{name}") };
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for child in &element.children {
        let setting = lookup(component, &child_path(&child.name));
        let is_list_item = setting.is_some_and(|s| s.kind == SettingKind::ListItem);
        if !is_list_item {
            let count = counts.entry(child.name.as_str()).or_default();
            *count += 1;
            if *count == 2 {
                findings.push((child.offset, msg!("unattend.duplicate-setting", name = &child.name)));
            }
        }
        let Some(setting) = setting else {
            // Unknown or implied: the structural validator has its say; the settings below are still checked.
            check_children(child, component, &child_path(&child.name), findings);
            continue;
        };
        if setting.server_only {
            findings.push((child.offset, msg!("unattend.server-only", name = &child.name)));
        }
        for excluded in &setting.excludes {
            if element.child(excluded).is_some() {
                findings.push((child.offset, msg!("unattend.excludes", name = &child.name, other = excluded)));
            }
        }
        if setting.kind == SettingKind::Value {
            if let Some(rule) = &setting.value {
                check_value(child, rule, findings);
            }
            if let Some(suffix) = &setting.password_suffix {
                check_password(element, child, suffix, findings);
            }
        }
        check_children(child, component, &child_path(&child.name), findings);
    }
    // Settings that must differ between the items of one list (each `Order` once).
    let items: Vec<&Element> = element
        .children
        .iter()
        .filter(|c| lookup(component, &child_path(&c.name)).is_some_and(|s| s.kind == SettingKind::ListItem))
        .collect();
    let mut seen: BTreeMap<(String, String), ()> = BTreeMap::new();
    for item in items {
        for field in &item.children {
            let field_path = format!("{}/{}", child_path(&item.name), field.name);
            if lookup(component, &field_path).is_some_and(|s| s.unique_in_list)
                && seen.insert((format!("{}/{}", item.name, field.name), field.value().to_string()), ()).is_some()
            {
                findings.push((
                    field.offset,
                    msg!("unattend.not-unique", name = &field.name, value = field.value(), list = &item.name),
                ));
            }
        }
    }
}

fn check_value(element: &Element, rule: &ValueRule, findings: &mut Vec<(usize, Message)>) {
    let value = element.value();
    let name = element.name.as_str();
    let problem = match rule {
        // The reference writes both `true` and `True`.
        ValueRule::Boolean => (!value.eq_ignore_ascii_case("true") && !value.eq_ignore_ascii_case("false"))
            .then(|| msg!("unattend.value-boolean", name = name, value = value)),
        ValueRule::Integer { min, max } => match value.parse::<i64>() {
            Err(_) => Some(msg!("unattend.value-integer", name = name, value = value)),
            Ok(n) if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) => Some(msg!(
                "unattend.value-range",
                name = name,
                value = value,
                min = min.map_or("…".to_string(), |m| m.to_string()),
                max = max.map_or("…".to_string(), |m| m.to_string())
            )),
            Ok(_) => None,
        },
        ValueRule::Enum { values, values_from, case_sensitive, exhaustive } => {
            let list: &[String] = match values_from.as_deref() {
                Some("time_zones") => &catalog().time_zones,
                Some("languages") => &catalog().languages,
                _ => values,
            };
            let known = list.iter().any(|v| if *case_sensitive { v == value } else { v.eq_ignore_ascii_case(value) });
            let near = crate::suggest::did_you_mean(value, list.iter().map(String::as_str));
            // In a partial list only a slip of one letter is a misspelling; names like "Alaskan Standard Time"
            // and "Pacific Standard Time" are otherwise near each other.
            // Zones that differ by a digit ("UTC-08", "UTC-02") are different zones, not slips.
            let slip = !value.contains(|c: char| c.is_ascii_digit())
                && near.is_some_and(|n| strsim::damerau_levenshtein(&n.to_lowercase(), &value.to_lowercase()) <= 1);
            (!known && !list.is_empty() && (*exhaustive || slip)).then(|| {
                let hint = near.map(|h| format!(" (`{h}`?)")).unwrap_or_default();
                let expected = if list.len() <= 8 { list.join(", ") } else { format!("{} values", list.len()) };
                msg!("unattend.value-enum", name = name, value = value, expected = expected, hint = hint)
            })
        }
        ValueRule::String { max_length } => max_length
            .filter(|max| value.chars().count() > *max)
            .map(|max| msg!("unattend.value-length", name = name, length = value.chars().count(), max = max)),
    };
    if let Some(problem) = problem {
        findings.push((element.offset, problem));
    }
}

/// An encoded password (`PlainText` false) is base64 of UTF-16LE text that ends with `suffix`; Setup stops with
/// "Failed to decode password" on anything else.
fn check_password(container: &Element, value: &Element, suffix: &str, findings: &mut Vec<(usize, Message)>) {
    let plain = container.child("PlainText").is_some_and(|p| p.value().eq_ignore_ascii_case("true"));
    if plain {
        return;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(value.value()).ok().and_then(|bytes| {
        (bytes.len() % 2 == 0).then(|| {
            let units: Vec<u16> = bytes.chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
            String::from_utf16(&units).ok()
        })?
    });
    if !decoded.is_some_and(|text| text.ends_with(suffix)) {
        findings.push((value.offset, msg!("unattend.password-suffix", container = &container.name, suffix = suffix)));
    }
}

/// The component `name` of pass `pass`, if the file has it.
fn component<'e>(root: &'e Element, pass: &str, name: &str) -> Option<&'e Element> {
    root.children
        .iter()
        .filter(|s| s.name == "settings" && s.attribute("pass") == Some(pass))
        .flat_map(|s| &s.children)
        .find(|c| c.attribute("name") == Some(name))
}

/// Groups an account may be put in: the administrator's and the standard users' (SEC-5). The names are Windows'
/// invariant names of the built-in groups, which Setup resolves on every display language.
const ACCOUNT_GROUPS: &[&str] = &["Administrators", "Users"];

/// Relations between settings that Setup needs and the catalog cannot state, and tanmatsu's own rules for what the
/// terminal's answer file must hold.
fn cross_references(root: &Element, findings: &mut Vec<(usize, Message)>) {
    if let Some(setup) = component(root, "windowsPE", "Microsoft-Windows-Setup") {
        install_target(setup, findings);
        match setup.at("UserData/ProductKey/Key") {
            Some(key) if !key.value().is_empty() => {}
            _ => findings.push((setup.offset, msg!("unattend.no-product-key"))),
        }
    }
    if let Some(international) = component(root, "windowsPE", "Microsoft-Windows-International-Core-WinPE") {
        match international.child("LayeredDriver") {
            Some(driver) if driver.value() == "6" => {}
            Some(driver) => findings.push((driver.offset, msg!("unattend.layered-driver", value = driver.value()))),
            None => findings.push((international.offset, msg!("unattend.layered-driver", value = ""))),
        }
    }
    if let Some(shell) = component(root, "oobeSystem", "Microsoft-Windows-Shell-Setup") {
        let accounts: Vec<&Element> = shell
            .at("UserAccounts/LocalAccounts")
            .map(|l| l.children.iter().filter(|c| c.name == "LocalAccount").collect())
            .unwrap_or_default();
        for account in &accounts {
            if let Some(group) = account.child("Group") {
                for name in group.value().split(';').map(str::trim) {
                    if !ACCOUNT_GROUPS.iter().any(|g| g.eq_ignore_ascii_case(name)) {
                        let expected = ACCOUNT_GROUPS.join(", ");
                        findings.push((group.offset, msg!("unattend.group", group = name, expected = expected)));
                    }
                }
            }
        }
        if let Some(user) = shell.at("AutoLogon/Username") {
            let known =
                accounts.iter().any(|a| a.child("Name").is_some_and(|n| n.value().eq_ignore_ascii_case(user.value())));
            if !known {
                findings.push((user.offset, msg!("unattend.autologon-user", name = user.value())));
            }
        }
    }
}

/// `InstallTo` names a disk that `DiskConfiguration` lays out and, on it, a partition that can hold Windows: Setup
/// numbers the partitions it creates in their `Order`, and an EFI or MSR partition cannot hold Windows.
fn install_target(setup: &Element, findings: &mut Vec<(usize, Message)>) {
    let Some(target) = setup.at("ImageInstall/OSImage/InstallTo") else { return };
    let (Some(disk_id), Some(partition)) = (target.child("DiskID"), target.child("PartitionID")) else { return };
    let disks =
        setup.child("DiskConfiguration").map(|d| d.children.iter().filter(|c| c.name == "Disk").collect::<Vec<_>>());
    let Some(disk) =
        disks.unwrap_or_default().into_iter().find(|d| d.child("DiskID").is_some_and(|i| i.value() == disk_id.value()))
    else {
        findings.push((disk_id.offset, msg!("unattend.install-to-disk", disk = disk_id.value())));
        return;
    };
    let Some(created) = disk.child("CreatePartitions") else { return };
    let mut partitions: Vec<(i64, &str)> = created
        .children
        .iter()
        .map(|p| {
            let order = p.child("Order").and_then(|o| o.value().parse().ok()).unwrap_or(i64::MAX);
            (order, p.child("Type").map_or("", |t| t.value()))
        })
        .collect();
    partitions.sort();
    let number: usize = partition.value().parse().unwrap_or(0);
    match number.checked_sub(1).and_then(|i| partitions.get(i)) {
        Some((_, kind)) if !kind.eq_ignore_ascii_case("EFI") && !kind.eq_ignore_ascii_case("MSR") => {}
        Some((_, kind)) => {
            findings.push((partition.offset, msg!("unattend.install-to-kind", partition = number, kind = *kind)))
        }
        None => findings.push((
            partition.offset,
            msg!("unattend.install-to-partition", partition = partition.value(), count = partitions.len()),
        )),
    }
}
