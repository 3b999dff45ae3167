//! The post-install scripts: they parse, call only real cmdlets with real parameters, keep profile values inside
//! string literals, and cover every spec item they must.

mod common;

use common::powershell::{first_error, functions, inside_string_literal, invocations, parse};
use common::{EXAMPLES, Scratch, tanmatsu};
use std::collections::BTreeMap;
use std::path::Path;

/// Renders `example` (from a scratch copy) and returns its scripts as (file name, text without the BOM).
fn rendered_scripts(scratch: &Scratch, profile: &Path) -> Vec<(String, String)> {
    let out = scratch.path("media");
    let output = tanmatsu().arg("render").arg(profile).arg("-o").arg(&out).arg("--force").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut scripts: Vec<(String, String)> = std::fs::read_dir(out.join("tanmatsu/scripts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{} starts with a UTF-8 BOM", path.display());
            let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
            assert!(!text.replace("\r\n", "").contains('\n'), "{} has CRLF line ends only", path.display());
            (path.file_name().unwrap().to_string_lossy().into_owned(), text)
        })
        .collect();
    scripts.sort();
    scripts
}

#[test]
fn every_generated_script_parses() {
    for example in EXAMPLES {
        let scratch = Scratch::new();
        let scripts = rendered_scripts(&scratch, &scratch.path(&format!("{example}.toml")));
        assert!(scripts.len() >= 15, "{example}: {} scripts", scripts.len());
        for (name, text) in scripts {
            let tree = parse(&text);
            if let Some((line, source)) = first_error(&tree, &text) {
                panic!("{example}: {name}:{line} does not parse:\n{source}");
            }
        }
    }
}

/// Windows PowerShell 5.1's common parameters, which every cmdlet and advanced function takes.
const COMMON_PARAMETERS: &[&str] = &[
    "Debug",
    "ErrorAction",
    "ErrorVariable",
    "InformationAction",
    "InformationVariable",
    "OutBuffer",
    "OutVariable",
    "PipelineVariable",
    "Verbose",
    "WarningAction",
    "WarningVariable",
    "WhatIf",
    "Confirm",
];
/// Programs of Windows itself that the scripts run.
const WINDOWS_PROGRAMS: &[&str] =
    &["auditpol.exe", "dxdiag.exe", "icacls.exe", "msg.exe", "msiexec.exe", "powershell.exe", "w32tm.exe"];

#[derive(serde::Deserialize)]
struct CmdletCatalog {
    cmdlets: BTreeMap<String, Cmdlet>,
}

#[derive(serde::Deserialize)]
struct Cmdlet {
    parameters: Vec<String>,
}

fn cmdlet_catalog() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(common::repo().join("data/powershell-cmdlets.json")).unwrap();
    let catalog: CmdletCatalog = serde_json::from_str(&text).unwrap();
    catalog.cmdlets.into_iter().map(|(name, c)| (name.to_lowercase(), c.parameters)).collect()
}

/// Every call in `scripts` that is not a real cmdlet with real parameters, a function of the scripts with its own
/// parameters, or a Windows program.
fn lint(scripts: &[(String, String)]) -> Vec<String> {
    let catalog = cmdlet_catalog();
    let mut known: BTreeMap<String, Vec<String>> = catalog;
    let trees: Vec<_> = scripts.iter().map(|(name, text)| (name, text, parse(text))).collect();
    for (_, text, tree) in &trees {
        for (function, parameters) in functions(tree, text) {
            known.insert(function.to_lowercase(), parameters);
        }
    }
    let mut problems = Vec::new();
    for (name, text, tree) in &trees {
        for call in invocations(tree, text) {
            let command = call.name.to_lowercase();
            if command.starts_with('(') || command.starts_with('$') {
                continue; // a script of ours, run by path
            }
            if command.ends_with(".exe") {
                if !WINDOWS_PROGRAMS.contains(&command.as_str()) {
                    problems.push(format!(
                        "{name}:{}: `{}` is not a Windows program the scripts may run",
                        call.line, call.name
                    ));
                }
                continue;
            }
            let Some(parameters) = known.get(&command) else {
                problems
                    .push(format!("{name}:{}: `{}` is not a cmdlet of Windows PowerShell 5.1", call.line, call.name));
                continue;
            };
            for parameter in &call.parameters {
                let real = parameters
                    .iter()
                    .chain(COMMON_PARAMETERS.iter().map(|s| s.to_string()).collect::<Vec<_>>().iter())
                    .any(|p| p.eq_ignore_ascii_case(parameter));
                if !real {
                    problems.push(format!("{name}:{}: `{}` has no parameter -{parameter}", call.line, call.name));
                }
            }
        }
    }
    problems
}

#[test]
fn every_call_is_a_real_cmdlet_with_real_parameters() {
    for example in EXAMPLES {
        let scratch = Scratch::new();
        let scripts = rendered_scripts(&scratch, &scratch.path(&format!("{example}.toml")));
        let problems = lint(&scripts);
        assert!(problems.is_empty(), "{example}:\n{}", problems.join("\n"));
    }
}

#[test]
fn the_lint_and_the_parser_catch_mistakes() {
    let bad = "Get-Item -LitralPath 'C:\\'\nGet-Itemm 'x'\nformat.exe C:\n".to_string();
    let problems = lint(&[("bad.ps1".into(), bad)]);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0].contains("has no parameter -LitralPath"));
    assert!(problems[1].contains("`Get-Itemm` is not a cmdlet"));
    let broken = "function Broken {\n    if ($x { }\n}\n";
    assert!(first_error(&parse(broken), broken).is_some());
}

/// Values that would run code if they reached PowerShell unquoted.
const HOSTILE: &[&str] = &[
    "'; Stop-Computer; '",
    "$(Stop-Computer)",
    "`nStop-Computer",
    "\u{2019}; Stop-Computer; \u{2018}",
    "a\nStop-Computer\nb",
];

#[test]
fn hostile_profile_values_stay_inside_string_literals() {
    let scratch = Scratch::new();
    let extras: Vec<String> = HOSTILE
        .iter()
        .map(|h| {
            let value = toml::Value::String(h.to_string()).to_string();
            format!(
                "{{ name = {value}, installer = \"payload/lpls174.exe\", arguments = [{value}], purpose = {value} }}"
            )
        })
        .collect();
    scratch.edited_profile("kenpo-kumiai", "[updates]", &format!("extra = [{}]\n\n[updates]", extras.join(", ")));
    let profile = scratch.edited_profile("kenpo-kumiai", "name = \"sousa02\"", "name = \"o'$(Stop-Computer)`\"");
    let scripts = rendered_scripts(&scratch, &profile);
    let mut seen = 0;
    for (name, text) in &scripts {
        let tree = parse(text);
        assert_eq!(first_error(&tree, text), None, "{name}");
        for call in invocations(&tree, text) {
            assert_ne!(call.name, "Stop-Computer", "{name}:{}: a profile value became a command", call.line);
        }
        for hostile in HOSTILE.iter().chain(["o'$(Stop-Computer)`"].iter()) {
            let escaped = tanmatsu::escape::powershell(hostile);
            let inner = &escaped[1..escaped.len() - 1];
            for (start, _) in text.match_indices(inner) {
                seen += 1;
                assert!(
                    inside_string_literal(&tree, start, start + inner.len()),
                    "{name}: `{hostile}` at byte {start} is outside a string literal"
                );
            }
        }
    }
    assert!(seen >= HOSTILE.len() * 2, "the hostile values reach the scripts ({seen} places)");
}

/// Items the answer file itself carries out (the image it installs, Remote Desktop denied in specialize).
const ENFORCED_BY_ANSWER_FILE: &[&str] = &["SW-1", "SEC-8"];

#[test]
fn every_spec_item_has_its_step_and_its_check() {
    let scratch = Scratch::new();
    let scripts = rendered_scripts(&scratch, &scratch.path("kenpo-kumiai.toml"));
    let mut stepped: Vec<String> = ENFORCED_BY_ANSWER_FILE.iter().map(|s| s.to_string()).collect();
    let mut checked: Vec<String> = Vec::new();
    for (name, text) in &scripts {
        let tree = parse(text);
        if name.starts_with(|c: char| c.is_ascii_digit()) {
            let declaration = text
                .lines()
                .find(|l| l.starts_with("$StepItems = @("))
                .unwrap_or_else(|| panic!("{name} declares its items"));
            stepped.extend(declaration.split('\'').skip(1).step_by(2).map(str::to_string));
        }
        if name == "verify-terminal.ps1" {
            for call in invocations(&tree, text).into_iter().filter(|c| c.name == "Add-Check") {
                let line = text.lines().nth(call.line - 1).unwrap();
                let item = line.split("-Item '").nth(1).and_then(|rest| rest.split('\'').next());
                checked.push(
                    item.unwrap_or_else(|| panic!("verify-terminal.ps1:{}: -Item is a literal", call.line)).to_string(),
                );
            }
        }
    }
    use tanmatsu::spec::{HowMet, items};
    for item in items() {
        match item.how {
            HowMet::Enforced => {
                assert!(stepped.contains(&item.id), "{} is enforced but no step carries it out", item.id);
                assert!(
                    checked.contains(&item.id),
                    "{} is enforced but verify-terminal.ps1 does not check it",
                    item.id
                );
            }
            HowMet::Terminal => assert!(checked.contains(&item.id), "{} is not checked on the terminal", item.id),
            HowMet::Process => {}
        }
    }
}

/// The chain of trust: the entry script checks the hash of every other file on the stick, the shared helpers
/// included, before it loads or runs any of them.
#[test]
fn the_entry_script_checks_every_file_before_it_loads_anything() {
    let scratch = Scratch::new();
    let scripts = rendered_scripts(&scratch, &scratch.path("kenpo-kumiai.toml"));
    let entry = &scripts.iter().find(|(name, _)| name == "Start-Provisioning.ps1").unwrap().1;
    let hashed = entry.find("Get-FileHash").expect("the entry script hashes files");
    let loaded = entry.find(". (Join-Path $PSScriptRoot").expect("the entry script loads its helpers");
    assert!(hashed < loaded, "the helpers are loaded before their hash is checked");
    for (name, _) in scripts.iter().filter(|(name, _)| name != "Start-Provisioning.ps1") {
        assert!(entry.contains(&format!("'tanmatsu\\scripts\\{name}'")), "{name} is on the entry script's list");
    }
    let listed_payloads = entry.matches("'tanmatsu\\payload\\").count() + entry.matches("'tanmatsu\\updates\\").count();
    assert!(listed_payloads >= 5, "the payloads are on the list too ({listed_payloads})");
}
