//! The post-install scripts: they parse, pass the PowerShell lint (real cmdlets, parameters, policy values), keep profile values inside
//! string literals, and cover every spec item they must.

mod common;

use common::powershell::{first_error, hash_shape, inside_string_literal, invocations, parse};
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
        .filter(|path| path.extension().is_some_and(|e| e == "ps1"))
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
                if item.is_none() && line.contains("-Item $policyItem") {
                    // One check per item of the local policy: the items its values name.
                    let policy = &scripts.iter().find(|(n, _)| n == "local-policy.ps1").unwrap().1;
                    checked.extend(
                        policy
                            .lines()
                            .filter_map(|l| l.trim().strip_prefix("@{ Item = '")?.split('\'').next())
                            .map(str::to_string),
                    );
                    continue;
                }
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
    let base = std::fs::read_to_string(common::repo().join("templates/builtin/scripts/70-no-sharing.ps1.hbs")).unwrap();
    let extra = |second: &str| {
        format!(
            "{base}\n$edge = 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Edge'\n\
             $kumiai = @{{ 'DeveloperToolsAvailability' = 2; '{second}' = 1 }}\n\
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
            &[("partials/specialize-extra.hbs", partial), ("scripts/70-no-sharing.ps1.hbs", &step)],
        );
        let profile =
            scratch.edited_profile("kenpo-kumiai", "template = \"builtin@1\"", "template = \"kumiai-test@1\"");
        (scratch, profile)
    };
    // `render` lints what it writes: that it renders at all is the pass.
    let (scratch, profile) = with_set("InPrivateModeAvailability");
    let scripts = rendered_scripts(&scratch, &profile);
    let step = &scripts.iter().find(|(name, _)| name == "70-no-sharing.ps1").unwrap().1;
    assert!(step.contains("InPrivateModeAvailability"), "the organisation's step is the one rendered");
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
    // The definitions from the stick are read back: what Defender held before and after, and their age.
    assert!(defender.contains("$after.AntivirusSignatureVersion -eq $before"));
    assert!(defender.contains("if ($after.AntivirusSignatureAge -gt $MaxAgeDays) {"));
    // Microsoft's recipe for the scan's time: ScanScheduleTime, no random shift, an offset of 0; all read back.
    assert!(set.contains("-ScanScheduleTime $scanAt -RandomizeScheduleTaskTimes $false"), "{set}");
    assert!(defender.contains("Set-MpPreference -ScanScheduleOffset 0") && defender.contains("-or $shifted) {"));
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
    // S10: steps log locally only; the stick gets the log at the end, and a stick that is gone is no error.
    let log = &common[common.find("function Write-TanmatsuLog").unwrap()..];
    let log = &log[..log.find("\n}\r\n").unwrap()];
    assert!(!log.contains("Stick") && !log.contains("MediaRoot"), "{log}");
    let copies = calls(&common, "Copy-Item");
    assert!(!copies.is_empty() && copies.iter().all(|(_, up)| up.contains(&"try_statement".to_string())));
    // W8: an import that fails says what Windows said, not only "wrong password".
    assert!(script("Import-DeviceCertificate.ps1").contains("$_.Exception.Message"));
    // S4: the staged device certificate is readable by the profile's operators, not by every local user, and goes
    // once every operator has it, judged by files that each operator owns.
    let certificates = script("60-certificates.ps1");
    let (grant, _) = &calls(&certificates, "icacls.exe")[0];
    assert!(!grant.contains("S-1-5-32-545") && grant.contains("@readers"), "{grant}");
    assert!(certificates.contains("(Get-LocalUser -Name $_).SID.Value"));
    assert!(certificates.contains("'Remove-StagedCertificate.ps1'"));
    let cleanup = script("Remove-StagedCertificate.ps1");
    let waiting = cleanup.find("Test-TanmatsuCertificateImported").unwrap();
    assert!(waiting < cleanup.find("'device.pfx'").unwrap(), "{cleanup}");
    assert!(common.contains("GetOwner([System.Security.Principal.SecurityIdentifier]).Value"));
    // Nit 11: a state file without the expected properties is set aside, not a StrictMode error.
    assert!(common.contains("$state.PSObject.Properties['MediaId'] -and $state.PSObject.Properties['Done']"));
    // W6: one listed package at a time, from the verified copy; one that does not apply is skipped and recorded,
    // anything else stops the run. The codes are decimal Int64s: PowerShell 5.1 reads 0x800F081E as negative.
    let updates = script("40-updates.ps1");
    let (add, up) = &calls(&updates, "Add-WindowsPackage")[0];
    assert!(add.contains("-PackagePath $path") && up.contains(&"try_statement".to_string()), "{add}");
    assert!(updates.contains("@(2148468766, 2149842967)") && updates.contains("'updates-not-applicable.{0}.txt'"));
    // A package that asks for a restart gets it before the next one; the step then goes on where it was (the
    // orchestrator runs it again instead of marking it done).
    assert!(updates.contains("return 'RestartThenRunAgain'") && updates.contains("$applied -contains $name"));
    let again = entry.find("-contains 'RestartThenRunAgain'").expect("the orchestrator knows RestartThenRunAgain");
    assert!(again < entry.find("$state.Done = @($state.Done) + $step").unwrap(), "before the step is marked done");
    assert!(updates.contains("UBR"), "the build is logged before the updates");
    // S1, S2: the stick is checked, copied to a folder only Administrators and SYSTEM can write, the copy checked,
    // and only the copy runs; no step is given the stick.
    let copy_phase = &entry[entry.find("if ($PSCommandPath -ne $CopiedEntry) {").unwrap()..];
    let copy_phase = &copy_phase[..copy_phase.find("\r\n}\r\n").unwrap()];
    let order =
        ["Find-ChangedFile -Root $MediaRoot", "Copy-Item", "Find-ChangedFile -Root $CopyRoot", "& $CopiedEntry"];
    let at: Vec<usize> = order.iter().map(|n| copy_phase.find(n).unwrap_or_else(|| panic!("{n}"))).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{order:?} in order");
    assert!(copy_phase.contains("'/grant:r', '*S-1-5-32-544:(OI)(CI)F', '*S-1-5-18:(OI)(CI)F')"), "{copy_phase}");
    assert!(!copy_phase.contains("S-1-5-32-545"), "users cannot write, or read, the copy");
    // The copy's folder is in ProgramData itself, where no user can rename or replace one the administrator made; the
    // state folder's recursive clean-up keeps the ACL and owners that mean something (S4, S5).
    assert!(entry.contains("$CopyRoot = Join-Path $env:ProgramData 'tanmatsu-run'"));
    assert!(common.contains("-Keep @('device.pfx', 'certificate-imported')"));
    let run_phase = &entry[entry.find("# The verified copy runs from here on.").unwrap()..];
    let finished = run_phase.find("provisioning finished").unwrap();
    assert!(
        run_phase[..finished].contains("Where-Object { $_.Name -ne 'scripts' } | Remove-Item"),
        "payload copies go"
    );
    assert!(run_phase.contains("& (Join-Path $PSScriptRoot $step) -CopyRoot $CopyRoot"));
    assert!(!run_phase.contains("-MediaRoot $MediaRoot"), "nothing after the copy reads the stick's scripts");
    for (name, text) in scripts.iter().filter(|(n, _)| n.starts_with(|c: char| c.is_ascii_digit())) {
        assert!(!text.contains("$MediaRoot"), "{name} never reaches for the stick");
    }
    // W7, S1: the stick is looked for on removable volumes only, by its marker, with a wait; the resume task runs
    // the verified copy.
    let finder = &common[common.find("function Find-TanmatsuStick").unwrap()..];
    assert!(
        finder.contains("$_.DriveType -eq 'Removable'")
            && finder.contains("$_.BusType -eq 'USB'")
            && finder.contains("$script:Marker")
            && !finder.contains("Get-PSDrive")
    );
    assert!(entry.contains("Register-TanmatsuTask -Name $ResumeTask -ScriptPath $CopiedEntry -Trigger $startup"));
    assert!(entry.contains("$startup = New-ScheduledTaskTrigger -AtStartup\r\n    $startup.Delay = 'PT2M'"));
    // The firewall's read-back knows where each rule comes from, and gives Group Policy time to arrive.
    assert!(script("local-policy.ps1").contains("Get-NetFirewallRule -PolicyStore ActiveStore -TracePolicyStore"));
    assert!(script("95-local-policy.ps1").contains("for ($attempt = 1; $attempt -le 12; $attempt++) {"));
    // The rerun the failure notice gives is the verified copy, which the media policy cannot lock out.
    assert!(entry.contains("$Rerun = 'powershell.exe -ExecutionPolicy Bypass -File \"{0}\"' -f $CopiedEntry"));
    // Review 2: the stick is updated before the tasks go, inside a try; the payload copies go last.
    let stick_work = run_phase.find("if (Copy-TanmatsuRecordToStick -StickRoot $stick) {").unwrap();
    let tasks_go = run_phase
        .find("Unregister-TanmatsuTask -Name $ResumeTask\r\n    Unregister-TanmatsuTask -Name $InProgressNotice")
        .unwrap();
    assert!(stick_work < tasks_go, "the stick first");
    // Whoever signs in during the run is told the terminal is not ready; the notice goes when the run ends.
    assert!(entry.contains("Register-TanmatsuTask -Name $InProgressNotice -ScriptPath $InProgressScript"));
    // Review of the new scripts: an empty text is a file too (5.1 refuses '' for a mandatory string).
    assert!(common.contains("[AllowEmptyString()]\r\n        [string]$Text"));
    // S10: a stick or copy whose files do not match is logged locally, and the console waits for a person.
    let stop = &entry[entry.find("function Stop-BeforeRunning").unwrap()..];
    let stop = &stop[..stop.find("\r\n}\r\n").unwrap()];
    assert!(stop.contains("'provisioning.log'") && stop.contains("Read-Host") && stop.contains("exit 1"), "{stop}");
    // W2, the dry run of the run's order: resume before the first step, the steps, one restart after the last,
    // then the self-check, then the task goes and the run is finished.
    let order = [
        "Register-TanmatsuTask -Name $ResumeTask",
        "foreach ($step in $Steps)",
        "$state.Done = @($state.Done) + $FinalRestart",
        "Restart-Computer -Force",
        "'verify-terminal.ps1')",
        "Unregister-TanmatsuTask -Name $ResumeTask",
        "provisioning finished",
    ];
    let mut from = run_phase.find("try {").unwrap();
    for needle in order {
        let found = run_phase[from..].find(needle).unwrap_or_else(|| panic!("`{needle}` after the one before it"));
        from += found;
    }
    let steps_at = run_phase.find("$Steps = @(").unwrap();
    let listed: Vec<&str> = run_phase[steps_at..run_phase[steps_at..].find("\r\n)").unwrap() + steps_at]
        .lines()
        .skip(1)
        .map(|l| l.trim().trim_matches('\''))
        .collect();
    assert_eq!(listed.first(), Some(&"05-cleanup.ps1"), "the passwords Setup leaves go first (S10)");
    assert_eq!(listed.last(), Some(&"95-local-policy.ps1"), "the media restrictions go last");
    // W2: a failure removes the resume task, and is shown now and at the next sign-in, to whoever signs in.
    let failure = &entry[entry.find("Write-TanmatsuLog ('FAILED: {0}'").unwrap()..];
    for needle in [
        "Unregister-TanmatsuTask -Name $ResumeTask",
        "-Trigger (New-ScheduledTaskTrigger -AtLogOn) -ForUsers",
        "& msg.exe *",
        "Read-Host",
        "exit 1",
    ] {
        assert!(failure.contains(needle), "`{needle}` in {failure}");
    }
    // Answer-file copies are swept by pattern, by the step and by the check alike (answer-file review R3).
    let sweep = script("cleanup-paths.ps1");
    assert!(sweep.contains("-Filter '*unattend*.xml'") && sweep.contains("'$WINDOWS.~BT\\Sources\\Panther'"));
    assert!(script("05-cleanup.ps1").contains("@(Find-TanmatsuAnswerFileCopy)"));
    assert!(script("verify-terminal.ps1").contains("$left = @(Find-TanmatsuAnswerFileCopy)"));
    // S3: once the self-check has passed, the stick is disarmed: no answer file, no device certificate, a record.
    let passed_at = run_phase.find("if ($global:LASTEXITCODE -ne 0) {").unwrap();
    let disarm = run_phase.find("Disable-TanmatsuStick -StickRoot $stick").expect("the stick is disarmed");
    assert!(passed_at < disarm, "after the self-check has passed");
    let disable = &common[common.find("function Disable-TanmatsuStick").unwrap()..];
    assert!(disable.contains("Media = 'autounattend.xml'") && disable.contains("Media = 'tanmatsu/certs/device.pfx'"));
    // S3: the slip's passwords are initial ones: every account chooses its own at its next sign-in.
    let hardening = script("85-hardening.ps1");
    let (net, _) = &calls(&hardening, "net.exe")[0];
    assert!(net.contains("/logonpasswordchg:yes"), "{net}");
    assert!(hardening.contains("foreach ($name in @($Admin) + $Operators)"));
    // S8: each installer's switches are logged with where they come from.
    assert!(script("20-software.ps1").contains("Source = 'Adobe Acrobat-Reader Enterprise Toolkit"));
    // W8: Remove-LocalGroupMember takes the LocalPrincipal, not its SID.
    let (remove, _) = &calls(&script("85-hardening.ps1"), "Remove-LocalGroupMember")[0];
    assert!(remove.ends_with("-Member $member"), "{remove}");
}

/// The keys of a JSON value, objects within objects; any other value is `null`.
fn key_shape(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), key_shape(v))).collect(),
        _ => serde_json::Value::Null,
    }
}

/// The report the terminal writes is the report the desk reads: the script's `$report` has the keys of the example in
/// docs/terminal-report.md, object for object, as do its checks and summary, and `tanmatsu report` reads the example.
#[test]
fn the_report_the_script_writes_is_the_report_the_desk_reads() {
    let scratch = Scratch::new();
    let scripts = rendered_scripts(&scratch, &scratch.path("kenpo-kumiai.toml"));
    let text = &scripts.iter().find(|(name, _)| name == "verify-terminal.ps1").unwrap().1;
    let written =
        hash_shape(&parse(text), text, "$report").expect("verify-terminal.ps1 assigns $report a hash literal");

    let docs = std::fs::read_to_string(common::repo().join("docs/terminal-report.md")).unwrap();
    let example = docs.split("```json\n").nth(1).and_then(|rest| rest.split("```").next()).expect("an example");
    let example: serde_json::Value = serde_json::from_str(example).unwrap();
    let mut documented = key_shape(&example);
    // Built in the script from a list and a collection, not as literals: compared below.
    for (key, leaf) in [("summary", "$counts"), ("checks", "$script:Checks")] {
        documented[key] = serde_json::Value::Null;
        assert!(text.contains(&format!("    {key} = {leaf}\r\n")), "{key} is {leaf}");
    }
    assert_eq!(written, documented, "the script's report and the documented one have the same fields");
    let mut summary: Vec<&String> = example["summary"].as_object().unwrap().keys().collect();
    let counted = text.split("foreach ($result in @(").nth(1).and_then(|rest| rest.split("))").next()).unwrap();
    let mut counted: Vec<String> = counted.split(", ").map(|r| r.trim_matches('\'').to_string()).collect();
    summary.sort();
    counted.sort();
    assert_eq!(counted.iter().collect::<Vec<_>>(), summary, "the summary counts each result");
    let written_check =
        text.split("$script:Checks.Add([ordered]@{ ").nth(1).and_then(|rest| rest.split(" })").next()).unwrap();
    let mut written_keys: Vec<&str> = written_check.split("; ").filter_map(|entry| entry.split(" = ").next()).collect();
    let mut check_keys: Vec<&str> = example["checks"][0].as_object().unwrap().keys().map(String::as_str).collect();
    written_keys.sort();
    check_keys.sort();
    assert_eq!(written_keys, check_keys, "each check has the documented fields");

    // The desk reads the example as a report (unsigned, so unverified), not as a broken file.
    let file = scratch.path("example.json");
    std::fs::write(&file, serde_json::to_string_pretty(&example).unwrap()).unwrap();
    let output = tanmatsu().arg("report").arg(&file).arg("--ledger").arg(scratch.path("ledger.csv")).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("CHUKAN-T01") && stdout.contains("UNVERIFIED"), "{stdout}");
    assert!(!stdout.contains("does not follow the report schema"), "{stdout}");
}
