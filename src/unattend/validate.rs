//! Validates an answer file the way Windows System Image Manager would, against the catalog: Windows Setup itself
//! ignores a misspelt or misplaced setting without a word.

use super::catalog::{Component, Lookup, SettingKind, catalog};
use crate::diagnostic::{Diagnostic, Location};
use crate::i18n::Message;
use crate::msg;
use crate::suggest::did_you_mean;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use std::path::Path;

const UNATTEND_NAMESPACE: &str = "urn:schemas-microsoft-com:unattend";
const PUBLIC_KEY_TOKEN: &str = "31bf3856ad364e35";
const ARCHITECTURES: &[&str] = &["amd64", "arm64", "x86", "wow64"];
const WCM_ACTIONS: &[&str] = &["add", "modify", "remove"];

/// Every problem in `xml`, each pointing at its line of `file`.
pub fn validate(file: &Path, xml: &str) -> Vec<Diagnostic> {
    let mut validator = Validator { file, xml, findings: Vec::new(), stack: Vec::new() };
    validator.run();
    for (offset, message) in super::semantics::check(xml) {
        validator.error(offset, message);
    }
    validator.findings.sort_by_key(|f| f.location.as_ref().map(|l| (l.line, l.column)));
    validator.findings
}

/// Where the walk is: the open elements and what each means.
enum Frame<'c> {
    Unattend,
    Settings {
        pass: Option<String>,
    },
    Component {
        component: Option<&'c Component>,
        pass: Option<String>,
        path: Vec<String>,
    },
    /// Inside something already reported, or inside a value: its children are not checked again.
    Skipped,
}

struct Validator<'a, 'c> {
    file: &'a Path,
    xml: &'a str,
    findings: Vec<Diagnostic>,
    stack: Vec<Frame<'c>>,
}

impl<'a> Validator<'a, 'static> {
    fn run(&mut self) {
        if self.xml.starts_with('\u{FEFF}') {
            self.error(0, msg!("unattend.bom"));
        }
        let mut reader = Reader::from_str(self.xml);
        let mut seen_root = false;
        loop {
            let offset = reader.buffer_position() as usize;
            match reader.read_event() {
                Ok(Event::Start(element)) => {
                    let frame = self.open(offset, &element, &mut seen_root);
                    self.stack.push(frame);
                }
                Ok(Event::Empty(element)) => {
                    self.open(offset, &element, &mut seen_root);
                }
                Ok(Event::End(_)) => {
                    self.stack.pop();
                }
                Ok(Event::Text(text)) => {
                    let is_blank = text.trim().is_empty();
                    if !is_blank && matches!(self.stack.last(), Some(Frame::Unattend | Frame::Settings { .. })) {
                        self.error(offset, msg!("unattend.stray-text"));
                    }
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(err) => {
                    self.error(offset, msg!("unattend.not-xml", reason = err));
                    break;
                }
            }
        }
        if !seen_root {
            self.error(0, msg!("unattend.no-root"));
        }
    }

    /// Checks one element where it stands, and returns what it means for its children.
    fn open(&mut self, offset: usize, element: &BytesStart, seen_root: &mut bool) -> Frame<'static> {
        let name = element.name().as_ref().to_string();
        let attributes = attributes(element);
        let parent = self.stack.last();
        match parent {
            None => {
                *seen_root = true;
                if name != "unattend" {
                    self.error(offset, msg!("unattend.wrong-root", name = &name));
                    return Frame::Skipped;
                }
                if attribute(&attributes, "xmlns") != Some(UNATTEND_NAMESPACE) {
                    self.error(offset, msg!("unattend.namespace", namespace = UNATTEND_NAMESPACE));
                }
                Frame::Unattend
            }
            Some(Frame::Unattend) => self.open_settings(offset, &name, &attributes),
            Some(Frame::Settings { pass }) => {
                let pass = pass.clone();
                self.open_component(offset, &name, &attributes, pass)
            }
            Some(Frame::Component { component, pass, path }) => {
                let (component, pass, path) = (*component, pass.clone(), path.clone());
                self.open_setting(offset, &name, &attributes, component, pass, path)
            }
            Some(Frame::Skipped) => Frame::Skipped,
        }
    }

    fn open_settings(&mut self, offset: usize, name: &str, attributes: &[(String, String)]) -> Frame<'static> {
        if name != "settings" {
            self.error(offset, msg!("unattend.not-settings", name = name));
            return Frame::Skipped;
        }
        let passes = &catalog().passes;
        let pass = attribute(attributes, "pass").map(str::to_string);
        match &pass {
            None => self.error(offset, msg!("unattend.no-pass")),
            Some(pass) if !passes.contains(pass) => {
                let hint = did_you_mean(pass, passes.iter().map(String::as_str));
                self.error_with(offset, msg!("unattend.unknown-pass", pass = pass), hint);
            }
            Some(_) => {}
        }
        Frame::Settings { pass }
    }

    fn open_component(
        &mut self,
        offset: usize,
        name: &str,
        attributes: &[(String, String)],
        pass: Option<String>,
    ) -> Frame<'static> {
        if name != "component" {
            self.error(offset, msg!("unattend.not-component", name = name));
            return Frame::Skipped;
        }
        self.check_component_attributes(offset, attributes);
        let Some(component_name) = attribute(attributes, "name") else {
            self.error(offset, msg!("unattend.no-component-name"));
            return Frame::Skipped;
        };
        let components = &catalog().components;
        let Some(component) = components.get(component_name) else {
            let hint = did_you_mean(component_name, components.keys().map(String::as_str));
            self.error_with(offset, msg!("unattend.unknown-component", component = component_name), hint);
            return Frame::Skipped;
        };
        if let Some(pass) = &pass
            && !component.passes.contains(pass)
        {
            let valid = component.passes.join(", ");
            self.error(offset, msg!("unattend.component-pass", component = component_name, pass = pass, valid = valid));
            return Frame::Skipped;
        }
        Frame::Component { component: Some(component), pass, path: vec![component_name.to_string()] }
    }

    fn check_component_attributes(&mut self, offset: usize, attributes: &[(String, String)]) {
        let expectations: [(&str, &[&str]); 4] = [
            ("processorArchitecture", ARCHITECTURES),
            ("publicKeyToken", &[PUBLIC_KEY_TOKEN]),
            ("language", &["neutral"]),
            ("versionScope", &["nonSxS"]),
        ];
        for (key, allowed) in expectations {
            match attribute(attributes, key) {
                Some(value) if allowed.contains(&value) => {}
                Some(value) => self.error(
                    offset,
                    msg!("unattend.attribute-value", key = key, value = value, expected = quoted_list(allowed)),
                ),
                None => self.error(offset, msg!("unattend.attribute-missing", key = key)),
            }
        }
        for (key, _) in attributes {
            let known = ["name", "xmlns:wcm", "xmlns:xsi"].contains(&key.as_str())
                || expectations.iter().any(|(k, _)| k == key);
            if !known {
                self.error(offset, msg!("unattend.component-attribute", key = key));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn open_setting(
        &mut self,
        offset: usize,
        name: &str,
        attributes: &[(String, String)],
        component: Option<&'static Component>,
        pass: Option<String>,
        mut path: Vec<String>,
    ) -> Frame<'static> {
        let Some(component) = component else { return Frame::Skipped };
        let component_name = path[0].clone();
        let parent = path[1..].join("/");
        path.push(name.to_string());
        let setting_path = path[1..].join("/");
        let (passes, kind, keyed) = match component.lookup(&setting_path) {
            Lookup::Setting(setting) => {
                (setting.passes.iter().map(String::as_str).collect::<Vec<_>>(), setting.kind, setting.keyed)
            }
            Lookup::Implied(passes) => (passes, SettingKind::Container, false),
            Lookup::Unknown => {
                let hint = did_you_mean(name, component.children(&parent));
                let place =
                    if parent.is_empty() { component_name.clone() } else { format!("{component_name}/{parent}") };
                self.error_with(offset, msg!("unattend.unknown-setting", name = name, place = place), hint);
                return Frame::Skipped;
            }
        };
        if let Some(pass) = &pass
            && !passes.contains(&pass.as_str())
        {
            let setting = format!("{component_name}/{setting_path}");
            let valid = passes.join(", ");
            self.error(offset, msg!("unattend.setting-pass", setting = setting, pass = pass, valid = valid));
        }
        self.check_setting_attributes(offset, name, attributes, kind, keyed);
        Frame::Component { component: Some(component), pass, path }
    }

    fn check_setting_attributes(
        &mut self,
        offset: usize,
        name: &str,
        attributes: &[(String, String)],
        kind: SettingKind,
        keyed: bool,
    ) {
        let action = attribute(attributes, "wcm:action");
        match (kind, action) {
            (SettingKind::ListItem, None) => {
                self.error(offset, msg!("unattend.needs-action", name = name));
            }
            (SettingKind::ListItem, Some(action)) if !WCM_ACTIONS.contains(&action) => {
                self.error(
                    offset,
                    msg!("unattend.action", name = name, action = action, expected = quoted_list(WCM_ACTIONS)),
                );
            }
            (SettingKind::Container | SettingKind::Value, Some(_)) => {
                self.error(offset, msg!("unattend.no-action", name = name));
            }
            _ => {}
        }
        for (key, _) in attributes {
            let allowed = key == "wcm:action" || (keyed && key == "wcm:keyValue");
            if !allowed {
                self.error(offset, msg!("unattend.setting-attribute", name = name, key = key));
            }
        }
    }

    fn error(&mut self, offset: usize, message: Message) {
        self.error_with(offset, message, None);
    }

    fn error_with(&mut self, offset: usize, message: Message, hint: Option<&str>) {
        let mut finding = Diagnostic::error(message).at(Location::at_offset(self.file, self.xml, offset));
        if let Some(hint) = hint {
            finding = finding.help(msg!("suggest.did-you-mean", name = hint));
        }
        self.findings.push(finding);
    }
}

fn attributes(element: &BytesStart) -> Vec<(String, String)> {
    element
        .attributes()
        .filter_map(Result::ok)
        .map(|a| {
            let value = a.normalized_value(XmlVersion::Explicit1_0).map(|v| v.into_owned()).unwrap_or_default();
            (a.key.as_ref().to_string(), value)
        })
        .collect()
}

fn attribute<'v>(attributes: &'v [(String, String)], key: &str) -> Option<&'v str> {
    attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn quoted_list(values: &[&str]) -> String {
    values.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(" / ")
}
