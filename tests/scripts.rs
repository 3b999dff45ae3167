//! The post-install scripts: they parse, pass the PowerShell lint (real cmdlets, parameters, policy values), keep profile values inside
//! string literals, and cover every spec item they must.

mod common;

use common::powershell::{first_error, inside_string_literal, invocations, parse};
use common::{EXAMPLES, Scratch, organisation_set, tanmatsu};
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

/// An organisation's set, as a desk would write one: an extra component in the answer file, and the Edge step
/// with two more policies, one set through a variable and a loop. Its scripts render and pass the lint too.
#[test]
fn an_organisation_set_passes_the_lint() {
    let edge =
        std::fs::read_to_string(common::repo().join("templates/builtin/scripts/80-edge-acrobat.ps1.hbs")).unwrap();
    let extra = |second: &str| {
        format!(
            "{edge}\n$kumiai = @{{ 'DeveloperToolsAvailability' = 2; '{second}' = 1 }}\n\
             foreach ($policy in @('DeveloperToolsAvailability', '{second}')) {{\n    \
             Set-TanmatsuRegistryValue -Path $edge -Name $policy -Value $kumiai[$policy]\n}}\n"
        )
    };
    let partial =
        "{{#> component component=\"Microsoft-Windows-SQMAPI\"}}\n      <CEIPEnabled>0</CEIPEnabled>\n{{/component}}\n";
    let with_set = |second: &str| {
        let scratch = Scratch::new();
        let step = extra(second);
        organisation_set(
            &scratch,
            "kumiai-test",
            1,
            &[("partials/specialize-extra.hbs", partial), ("scripts/80-edge-acrobat.ps1.hbs", &step)],
        );
        let profile =
            scratch.edited_profile("kenpo-kumiai", "template = \"builtin@1\"", "template = \"kumiai-test@1\"");
        (scratch, profile)
    };
    // `render` lints what it writes: that it renders at all is the pass.
    let (scratch, profile) = with_set("InPrivateModeAvailability");
    let scripts = rendered_scripts(&scratch, &profile);
    let edge = &scripts.iter().find(|(name, _)| name == "80-edge-acrobat.ps1").unwrap().1;
    assert!(edge.contains("InPrivateModeAvailability"), "the organisation's step is the one rendered");
    // The same set with the name misspelt inside the loop is refused: the loop is followed, not skipped.
    let (scratch, profile) = with_set("InPrivateModeAvailabilty");
    let (code, _, stderr) =
        common::outcome(tanmatsu().arg("render").arg(&profile).arg("-o").arg(scratch.path("media")));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("no value `InPrivateModeAvailabilty`"), "{stderr}");
}

/// Fixes of the scripts review (`scripts.md`) that can be seen in the rendered text, each read from the parse tree.
#[test]
fn fixes_of_the_scripts_review_hold() {
    let scratch = Scratch::new();
    let scripts = rendered_scripts(&scratch, &scratch.path("kenpo-kumiai.toml"));
    let script = |name: &str| scripts.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone()).unwrap();
    // The command nodes named `name` in `text`, with the kinds of their ancestors.
    let calls = |text: &str, name: &str| -> Vec<(String, Vec<String>)> {
        let tree = parse(text);
        common::powershell::nodes(&tree)
            .into_iter()
            .filter(|n| n.kind() == "command")
            .filter(|n| {
                n.child_by_field_name("command_name").is_some_and(|c| {
                    c.utf8_text(text.as_bytes()).unwrap().trim_start_matches("& ").eq_ignore_ascii_case(name)
                })
            })
            .map(|n| {
                let mut ancestors = Vec::new();
                let mut up = n.parent();
                while let Some(p) = up {
                    ancestors.push(p.kind().to_string());
                    up = p.parent();
                }
                (n.utf8_text(text.as_bytes()).unwrap().to_string(), ancestors)
            })
            .collect()
    };
    // S6: optional features are read in one query, never by a name the build may lack.
    for (name, text) in &scripts {
        for (call, _) in calls(text, "Get-WindowsOptionalFeature") {
            assert!(!call.contains("-FeatureName"), "{name}: {call}");
        }
    }
    // S7: a provisioned app that will not go is a warning, not the end of the run.
    let removals = calls(&script("20-software.ps1"), "Remove-AppxProvisionedPackage");
    assert!(!removals.is_empty() && removals.iter().all(|(_, up)| up.contains(&"try_statement".to_string())));
    // W4: the full scan starts when the PC is on, and a missed one is made up; both are read back.
    let defender = script("30-defender.ps1");
    let (set, _) = &calls(&defender, "Set-MpPreference")[0];
    assert!(set.contains("-ScanOnlyIfIdleEnabled $false") && set.contains("-DisableCatchupFullScan $false"), "{set}");
    assert!(defender.contains("$preference.ScanOnlyIfIdleEnabled -or $preference.DisableCatchupFullScan"));
    // S5: the state folder's owner and ACL are set on every run, not only when the folder is new.
    let icacls = calls(&script("Tanmatsu.Common.ps1"), "icacls.exe");
    assert!(!icacls.is_empty() && icacls.iter().all(|(_, up)| !up.contains(&"if_statement".to_string())));
    assert!(script("Tanmatsu.Common.ps1").contains("'/setowner', '*S-1-5-32-544'"));
    // W5: MSIs never restart by themselves and log; the wait has a time-out and is on the installer alone; 3010
    // asks for a restart, 1641 fails; the steps that install pass the restart on.
    let common = script("Tanmatsu.Common.ps1");
    let installer = &common[common.find("function Invoke-TanmatsuInstaller").unwrap()..];
    let installer = &installer[..installer.find("\n}\r\n").unwrap_or(installer.len())];
    for needle in [
        "'/norestart', '/l*v'",
        "WaitForExit($TimeoutMinutes * 60000)",
        "3010 { return 'RestartRequired' }",
        "1641 { throw",
    ] {
        assert!(installer.contains(needle), "`{needle}` in Invoke-TanmatsuInstaller");
    }
    assert!(!installer.contains("Wait = $true"), "no -Wait on the process tree");
    for step in ["20-software.ps1", "30-defender.ps1"] {
        assert!(script(step).contains("return 'RestartRequired'"), "{step} passes a restart on");
    }
    // W2: a failing self-check (exit 1) ends the run as a failure, not as "provisioning finished".
    let entry = script("Start-Provisioning.ps1");
    let verify = entry.find("'verify-terminal.ps1') -MediaRoot").unwrap();
    let checked =
        entry[verify..].find("if ($global:LASTEXITCODE -ne 0) {").expect("the self-check's exit code is read");
    let finished = entry[verify..].find("provisioning finished").unwrap();
    assert!(checked < finished, "the exit code is read before the run is called finished");
    // S10: a line that cannot reach the stick does not throw: the stick's log is written inside a try.
    let writes = calls(&common, "Add-Content");
    let to_stick: Vec<_> = writes.iter().filter(|(call, _)| call.contains("$script:MediaLog")).collect();
    assert!(!to_stick.is_empty() && to_stick.iter().all(|(_, up)| up.contains(&"try_statement".to_string())));
    // W8: an import that fails says what Windows said, not only "wrong password".
    assert!(script("Import-DeviceCertificate.ps1").contains("$_.Exception.Message"));
    // S4: the staged device certificate is readable by the profile's operators, not by every local user.
    let certificates = script("60-certificates.ps1");
    let (grant, _) = &calls(&certificates, "icacls.exe")[0];
    assert!(!grant.contains("S-1-5-32-545") && grant.contains("@readers"), "{grant}");
    assert!(certificates.contains("(Get-LocalUser -Name $_).SID.Value"));
    // Nit 11: a state file without the expected properties is set aside, not a StrictMode error.
    assert!(common.contains("$state.PSObject.Properties['MediaId'] -and $state.PSObject.Properties['Done']"));
    // W6: no package that was not hashed reaches DISM: the folder is refused while it holds one.
    let updates = script("40-updates.ps1");
    let refused = updates.find("if ($unlisted.Count -gt 0) {").expect("unlisted files are looked for");
    assert!(refused < updates.find("Add-WindowsPackage").unwrap(), "before DISM runs");
    // W7 and S1 (part): the resume locator waits for the stick and looks for it on removable volumes only. It is
    // written at run time from string literals: joined as PowerShell joins them, it must parse too.
    let start = entry.find("$body = @(").unwrap();
    let end = start + entry[start..].find(") -join").unwrap();
    let locator: Vec<String> = entry[start..end]
        .lines()
        .map(str::trim)
        .filter_map(|line| line.strip_prefix('\'').and_then(|l| l.strip_suffix("',").or_else(|| l.strip_suffix('\''))))
        .map(|line| line.replace("''", "'"))
        .collect();
    let locator = format!("$marker = 'x'\r\n{}", locator.join("\r\n"));
    assert_eq!(first_error(&parse(&locator), &locator), None, "{locator}");
    assert!(locator.contains("$_.DriveType -eq 'Removable'") && locator.contains("AddMinutes(3)"), "{locator}");
    assert!(!locator.contains("Get-PSDrive"), "{locator}");
    // S10: a stick whose files do not match is logged locally, and the console waits for a person to read it.
    let mismatch = &entry[entry.find("if (-not $intact) {").unwrap()
        ..entry.find(". (Join-Path $PSScriptRoot 'Tanmatsu.Common.ps1')").unwrap()];
    assert!(mismatch.contains("'provisioning.log'") && mismatch.contains("Read-Host"), "{mismatch}");
    // W2: resume is registered before the first step runs.
    let first_step = entry.find("foreach ($step in $Steps)").unwrap();
    assert!(entry[..first_step].contains("    Register-Resume\r\n"), "resume is registered before step 1");
    // W2: a failure removes the resume task, so that a failed step is not retried at every boot.
    let failure = &entry[entry.rfind("} catch {").unwrap()..];
    assert!(failure.contains("Unregister-ScheduledTask -TaskName $ResumeTask"), "{failure}");
    // W8: Remove-LocalGroupMember takes the LocalPrincipal, not its SID.
    let (remove, _) = &calls(&script("85-hardening.ps1"), "Remove-LocalGroupMember")[0];
    assert!(remove.ends_with("-Member $member"), "{remove}");
}
