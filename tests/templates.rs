//! Template sets: built-in files, organisation overrides, and what the engine and the validator refuse.

mod common;

use common::xml::parse;
use common::{Scratch, organisation_set, repo, tanmatsu};
use tanmatsu::templates::{builtin_files, lint};

/// Renders the example with the profile's template set replaced by `set`; returns (exit code, stderr).
fn render_with_set(scratch: &Scratch, set: &str) -> (i32, String) {
    let profile = scratch.edited_profile("kenpo-kumiai", "template = \"builtin@1\"", &format!("template = \"{set}\""));
    let (code, _, stderr) =
        common::outcome(tanmatsu().arg("render").arg(&profile).arg("-o").arg(scratch.path("media")));
    (code, stderr)
}

const COMPONENT_OPEN: &str = "{{#> component component=";

#[test]
fn every_built_in_template_passes_the_lint() {
    let files = builtin_files();
    assert!(files.len() >= 20, "the built-in set is compiled in: {} files", files.len());
    for (path, content) in files {
        assert_eq!(std::fs::read_to_string(repo().join("templates/builtin").join(&path)).unwrap(), content);
        assert_eq!(lint(content), None, "{path}");
    }
}

#[test]
fn an_organisation_set_overrides_a_partial_and_is_recorded_in_the_manifest() {
    let scratch = Scratch::new();
    let extra = format!(
        "{COMPONENT_OPEN}\"Microsoft-Windows-SQMAPI\"}}}}\n      <CEIPEnabled>0</CEIPEnabled>\n{{{{/component}}}}\n"
    );
    organisation_set(&scratch, "kumiai-a", 3, &[("partials/specialize-extra.hbs", &extra)]);
    let (code, stderr) = render_with_set(&scratch, "kumiai-a@3");
    assert_eq!(code, 0, "{stderr}");
    let xml = parse(&std::fs::read_to_string(scratch.path("media/autounattend.xml")).unwrap());
    assert_eq!(xml.component("specialize", "Microsoft-Windows-SQMAPI").value("CEIPEnabled"), "0");
    assert_eq!(xml.component("specialize", "Microsoft-Windows-Shell-Setup").value("TimeZone"), "Tokyo Standard Time");

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(scratch.path("media/tanmatsu/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["templates"]["name"], "kumiai-a");
    assert_eq!(manifest["templates"]["version"], 3);
    assert_eq!(manifest["templates"]["lineage"], serde_json::json!(["kumiai-a@3", "builtin@1"]));

    let listed = tanmatsu().args(["templates", "list", "--dir"]).arg(scratch.path("templates")).output().unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(listed.contains("builtin@1") && listed.contains("kumiai-a@3 (extends builtin@1)"), "{listed}");
}

#[test]
fn the_template_hash_changes_with_any_template_byte() {
    let hashes: Vec<String> = ["0", "1"]
        .iter()
        .map(|value| {
            let scratch = Scratch::new();
            let extra = format!(
                "{COMPONENT_OPEN}\"Microsoft-Windows-SQMAPI\"}}}}\n      <CEIPEnabled>{value}</CEIPEnabled>\n{{{{/component}}}}\n"
            );
            organisation_set(&scratch, "kumiai-a", 1, &[("partials/specialize-extra.hbs", &extra)]);
            assert_eq!(render_with_set(&scratch, "kumiai-a@1").0, 0);
            let text = std::fs::read_to_string(scratch.path("media/tanmatsu/manifest.json")).unwrap();
            let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
            manifest["templates"]["sha256"].as_str().unwrap().to_string()
        })
        .collect();
    assert_ne!(hashes[0], hashes[1]);
}

#[test]
fn a_version_mismatch_and_an_unknown_set_are_errors() {
    let scratch = Scratch::new();
    organisation_set(&scratch, "kumiai-a", 2, &[]);
    let (code, stderr) = render_with_set(&scratch, "kumiai-a@1");
    assert_eq!(code, 1);
    assert!(stderr.contains("is at version 2, but `kumiai-a@1` was asked for"), "{stderr}");

    let scratch = Scratch::new();
    let (code, stderr) = render_with_set(&scratch, "kumiai-b@1");
    assert_eq!(code, 1);
    assert!(stderr.contains("there is no template set `kumiai-b@1` (available: builtin@1)"), "{stderr}");
}

#[test]
fn a_misspelt_override_is_refused() {
    let scratch = Scratch::new();
    organisation_set(&scratch, "kumiai-a", 1, &[("autounatend.xml.hbs", "<unattend/>")]);
    let (code, stderr) = render_with_set(&scratch, "kumiai-a@1");
    assert_eq!(code, 1);
    assert!(stderr.contains("autounatend.xml.hbs` overrides no file of `builtin@1`"), "{stderr}");
}

#[test]
fn settings_windows_setup_would_ignore_are_refused_with_their_line() {
    let scratch = Scratch::new();
    let bad = format!(
        "{COMPONENT_OPEN}\"Microsoft-Windows-Shell-Setupp\"}}}}\n      <TimeZone>Tokyo Standard Time</TimeZone>\n{{{{/component}}}}\n\
         {COMPONENT_OPEN}\"Microsoft-Windows-International-Core-WinPE\"}}}}\n      <UILanguage>ja-JP</UILanguage>\n{{{{/component}}}}\n\
         {COMPONENT_OPEN}\"Microsoft-Windows-Shell-Setup\"}}}}\n      <TimeZones>Tokyo Standard Time</TimeZones>\n{{{{/component}}}}\n"
    );
    organisation_set(&scratch, "kumiai-a", 1, &[("partials/specialize-extra.hbs", &bad)]);
    let (code, stderr) = render_with_set(&scratch, "kumiai-a@1");
    assert_eq!(code, 1, "{stderr}");
    // The third component is a second Microsoft-Windows-Shell-Setup in specialize, which Setup stops on too.
    assert!(stderr.contains("4 problem(s)"), "{stderr}");
    assert!(
        stderr.contains("the component `Microsoft-Windows-Shell-Setup` is given twice in the specialize pass"),
        "{stderr}"
    );

    // Each finding names a line of the rendered answer file; the line shown is the offending one.
    let finding = |needle: &str| -> String {
        let start = stderr.find(needle).unwrap_or_else(|| panic!("`{needle}` in {stderr}"));
        stderr[start..].split("\n\n").next().unwrap().to_string()
    };
    let misspelt = finding("there is no component `Microsoft-Windows-Shell-Setupp`");
    assert!(misspelt.contains("did you mean `Microsoft-Windows-Shell-Setup`?"), "{misspelt}");
    assert!(
        misspelt.contains("--> autounattend.xml:") && misspelt.contains("Microsoft-Windows-Shell-Setupp\""),
        "{misspelt}"
    );
    let wrong_pass =
        finding("the component `Microsoft-Windows-International-Core-WinPE` is not valid in the specialize pass");
    assert!(wrong_pass.contains("valid in: windowsPE"), "{wrong_pass}");
    let unknown = finding("`TimeZones` is not a setting of Microsoft-Windows-Shell-Setup");
    assert!(unknown.contains("did you mean `TimeZone`?") && unknown.contains("<TimeZones>"), "{unknown}");
    assert!(!scratch.path("media").exists(), "nothing is written");
}

#[test]
fn a_setting_in_the_wrong_pass_and_bad_attributes_are_refused() {
    let scratch = Scratch::new();
    let bad = "    <component name=\"Microsoft-Windows-Shell-Setup\" processorArchitecture=\"x64\" publicKeyToken=\"31bf3856ad364e35\" language=\"neutral\" versionScope=\"nonSxS\">\n      <FirstLogonCommands>\n      </FirstLogonCommands>\n    </component>\n";
    organisation_set(&scratch, "kumiai-a", 1, &[("partials/specialize-extra.hbs", bad)]);
    let (code, stderr) = render_with_set(&scratch, "kumiai-a@1");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("processorArchitecture=\"x64\"; expected \"amd64\""), "{stderr}");
    assert!(
        stderr.contains("the setting `Microsoft-Windows-Shell-Setup/FirstLogonCommands` is not valid in the specialize pass (valid in: oobeSystem)"),
        "{stderr}"
    );
}

#[test]
fn a_bare_value_in_a_template_is_refused_by_the_lint() {
    let scratch = Scratch::new();
    organisation_set(
        &scratch,
        "kumiai-a",
        1,
        &[("partials/specialize-extra.hbs", "<!-- ok -->\n{{terminal.hostname}}\n")],
    );
    let (code, stderr) = render_with_set(&scratch, "kumiai-a@1");
    assert_eq!(code, 1);
    assert!(
        stderr.contains("specialize-extra.hbs:2: `{{terminal.hostname}}` prints a value without escaping it"),
        "{stderr}"
    );
}

#[test]
fn a_misspelt_name_inside_if_is_an_error_not_the_else_branch() {
    let scratch = Scratch::new();
    let template = "{{#if terminal.prodct_key}}<!-- key -->{{else}}<!-- no key -->{{/if}}\n";
    organisation_set(&scratch, "kumiai-a", 1, &[("partials/specialize-extra.hbs", template)]);
    let (code, stderr) = render_with_set(&scratch, "kumiai-a@1");
    assert_eq!(code, 1);
    assert!(stderr.contains("specialize-extra.hbs") && stderr.contains("prodct_key"), "{stderr}");
}

#[test]
fn check_reports_a_broken_template_set_against_the_template_field() {
    let scratch = Scratch::new();
    organisation_set(&scratch, "kumiai-a", 1, &[("partials/specialize-extra.hbs", "{{{raw}}}")]);
    let profile = scratch.edited_profile("kenpo-kumiai", "template = \"builtin@1\"", "template = \"kumiai-a@1\"");
    let (code, stdout, _) = common::check(&profile, &[]);
    assert_eq!(code, 1);
    assert!(stdout.contains("prints a value unescaped") && stdout.contains("kenpo-kumiai.toml:8:"), "{stdout}");
}

/// An organisation set is written by people who do not run tanmatsu's tests: `render` itself refuses scripts that
/// Windows PowerShell 5.1 would refuse or run wrongly, naming the script and line, and writes nothing.
#[test]
fn scripts_windows_would_refuse_or_misread_are_refused_with_their_line() {
    let builtin = |path: &str| std::fs::read_to_string(repo().join("templates/builtin").join(path)).unwrap();
    let faults = [
        // A policy value Windows never reads (the name the review found in MED-2's step).
        (
            "scripts/85-hardening.ps1.hbs",
            "-Name 'fDenyTSConnections' -Value 1",
            "-Name 'fDenyTSConnection' -Value 1",
            "the policy catalog has no value `fDenyTSConnection` under `HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server`",
            "85-hardening.ps1:",
        ),
        // An -ArgumentList that is empty when an installer takes no arguments.
        (
            "scripts/Tanmatsu.Common.ps1.hbs",
            "$process = Start-Process @start",
            "$process = Start-Process -FilePath $file -ArgumentList $Arguments -Wait -PassThru",
            "`Start-Process -ArgumentList` is given a value that can be empty",
            "Tanmatsu.Common.ps1:",
        ),
        // One variable in two spellings.
        (
            "scripts/70-no-sharing.ps1.hbs",
            "foreach ($sharingGroup in @(",
            "$SharingGroup = 'none'\nforeach ($sharingGroup in @(",
            "`$sharingGroup` is the variable `$SharingGroup`",
            "70-no-sharing.ps1:",
        ),
    ];
    for (path, from, to, message, place) in faults {
        let scratch = Scratch::new();
        let original = builtin(path);
        assert!(original.contains(from), "{path} contains `{from}`");
        organisation_set(&scratch, "kumiai-a", 1, &[(path, &original.replacen(from, to, 1))]);
        let (code, stderr) = render_with_set(&scratch, "kumiai-a@1");
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("Windows PowerShell 5.1 would refuse or get wrong"), "{stderr}");
        assert!(stderr.contains(message), "{path}: `{message}` in {stderr}");
        assert!(stderr.contains(&format!("--> tanmatsu/scripts/{place}")), "{path}: `{place}` in {stderr}");
        assert!(!scratch.path("media").exists(), "nothing is written");
        // build refuses the same, before it writes an image.
        let profile = scratch.path("kenpo-kumiai.toml");
        let image = scratch.path("stick.img");
        let (code, _, stderr) = common::outcome(tanmatsu().arg("build").arg(&profile).arg("-o").arg(&image));
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains(message), "build: `{message}` in {stderr}");
        assert!(!image.exists(), "no image is written");
    }
}

#[test]
fn an_answer_file_setting_given_twice_is_refused() {
    let scratch = Scratch::new();
    let twice = format!(
        "{COMPONENT_OPEN}\"Microsoft-Windows-SQMAPI\"}}}}\n      <CEIPEnabled>0</CEIPEnabled>\n      <CEIPEnabled>0</CEIPEnabled>\n{{{{/component}}}}\n"
    );
    organisation_set(&scratch, "kumiai-a", 1, &[("partials/specialize-extra.hbs", &twice)]);
    let (code, stderr) = render_with_set(&scratch, "kumiai-a@1");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("<CEIPEnabled> is given twice here"), "{stderr}");
    assert!(!scratch.path("media").exists(), "nothing is written");
}

/// Desk review F11: a folder given on the command line that is not there is an error, not a silent built-in list.
#[test]
fn templates_list_of_a_folder_that_is_not_there_says_so() {
    let (code, stdout, stderr) =
        common::outcome(common::tanmatsu().args(["templates", "list", "--dir", "/nonexistent/sets"]));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("there is no folder `/nonexistent/sets` of template sets"), "{stderr}");
    assert!(stdout.is_empty());
}

/// Desk review F11: a misspelt override (`specialise-extra`) would be an added partial that nothing includes, and
/// the organisation's setting would silently be missing.
#[test]
fn a_partial_that_no_template_includes_is_refused_with_the_one_it_meant() {
    let scratch = Scratch::new();
    organisation_set(&scratch, "kumiai-a", 1, &[("partials/specialise-extra.hbs", "<!-- ours -->")]);
    let (code, stderr) = render_with_set(&scratch, "kumiai-a@1");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("adds a partial that no template includes"), "{stderr}");
    assert!(stderr.contains("did you mean `partials/specialize-extra.hbs`"), "{stderr}");
    assert!(stderr.contains("the profile's template set cannot be used (the profile itself is fine)"), "{stderr}");
}
