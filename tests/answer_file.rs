//! The answer-file validator against the mutations of the answer-file review (`answer-file.md` §7): each is a fault
//! that Windows Setup either stops on or silently ignores, and each must be refused at the desk.

mod common;

use std::path::Path;
use tanmatsu::unattend::validate;

/// The rendered answer file of the kenpo example.
fn rendered() -> String {
    let (_scratch, out) = common::rendered_example("kenpo-kumiai");
    std::fs::read_to_string(out.join("autounattend.xml")).unwrap()
}

fn keys(xml: &str) -> Vec<String> {
    validate(Path::new("autounattend.xml"), xml).into_iter().map(|d| d.message.key.to_string()).collect()
}

/// `from` replaced by `to` once; `from` must occur.
fn mutate(xml: &str, from: &str, to: &str) -> String {
    assert!(xml.contains(from), "`{from}` is not in the rendered answer file");
    xml.replacen(from, to, 1)
}

/// The first `<name>…</name>` element replaced by `with`; it must occur.
fn replace_element(xml: &str, name: &str, with: &str) -> String {
    let start = xml.find(&format!("<{name}>")).unwrap_or_else(|| panic!("<{name}> is not in the rendered answer file"));
    let close = format!("</{name}>");
    let end = xml.find(&close).unwrap() + close.len();
    format!("{}{with}{}", &xml[..start], &xml[end..])
}

#[test]
fn the_rendered_answer_file_is_clean() {
    assert_eq!(keys(&rendered()), Vec::<String>::new());
}

/// Microsoft's time-zone table names one zone per country: a valid zone it leaves out is no error, a misspelling of
/// a listed one is.
#[test]
fn time_zones_beyond_the_table_pass_and_misspellings_do_not() {
    let xml = rendered();
    for zone in ["Alaskan Standard Time", "Mountain Standard Time", "US Eastern Standard Time", "UTC-08", "UTC+13"] {
        let keys = keys(&xml.replace("Tokyo Standard Time", zone));
        assert_eq!(keys, Vec::<String>::new(), "{zone}");
    }
    assert!(
        keys(&xml.replace("Tokyo Standard Time", "Tokyo Standard Tim")).contains(&"unattend.value-enum".to_string())
    );
}

#[test]
fn every_mutation_of_the_review_is_refused() {
    let xml = rendered();
    let encoded_admin = {
        let password = xml.find("<Password>").unwrap();
        let start = password + xml[password..].find("<Value>").unwrap() + "<Value>".len();
        xml[start..start + xml[start..].find('<').unwrap()].to_string()
    };
    let long_command = format!("<CommandLine>powershell.exe {}</CommandLine>", "x".repeat(2400));
    let mutations: Vec<(&str, String, &str)> = vec![
        ("ProtectYourPC=7", mutate(&xml, "<ProtectYourPC>3<", "<ProtectYourPC>7<"), "unattend.value-range"),
        ("LayeredDriver=1", mutate(&xml, "<LayeredDriver>6<", "<LayeredDriver>1<"), "unattend.layered-driver"),
        (
            "WillShowUI=Sometimes",
            mutate(
                &xml,
                "<WillShowUI>OnError</WillShowUI>\n      </DiskConfiguration>",
                "<WillShowUI>Sometimes</WillShowUI>\n      </DiskConfiguration>",
            ),
            "unattend.value-enum",
        ),
        ("WillWipeDisk=yes", mutate(&xml, "<WillWipeDisk>true<", "<WillWipeDisk>yes<"), "unattend.value-boolean"),
        (
            "InstallTo the MSR",
            mutate(
                &xml,
                "<PartitionID>4</PartitionID>\n          </InstallTo>",
                "<PartitionID>3</PartitionID>\n          </InstallTo>",
            ),
            "unattend.install-to-kind",
        ),
        (
            "two ModifyPartition with Order 1",
            mutate(
                &xml,
                "<Order>2</Order>\n              <PartitionID>2</PartitionID>",
                "<Order>1</Order>\n              <PartitionID>2</PartitionID>",
            ),
            "unattend.not-unique",
        ),
        (
            "Size and Extend on one partition",
            mutate(&xml, "<Extend>true</Extend>", "<Size>1000</Size>\n              <Extend>true</Extend>"),
            "unattend.excludes",
        ),
        (
            "TimeZone misspelt",
            mutate(&xml, "<TimeZone>Tokyo Standard Time<", "<TimeZone>Tokio Standard Time<"),
            "unattend.value-enum",
        ),
        (
            "TimeZone twice",
            mutate(
                &xml,
                "<TimeZone>Tokyo Standard Time</TimeZone>",
                "<TimeZone>Tokyo Standard Time</TimeZone>\n      <TimeZone>Tokyo Standard Time</TimeZone>",
            ),
            "unattend.duplicate-setting",
        ),
        (
            "CommandLine of 2,400 characters",
            replace_element(&xml, "CommandLine", &long_command),
            "unattend.value-length",
        ),
        ("Group=Administrator", mutate(&xml, "<Group>Administrators<", "<Group>Administrator<"), "unattend.group"),
        (
            "AutoLogon names no account",
            mutate(&xml, "<Username>kanri<", "<Username>kanri2<"),
            "unattend.autologon-user",
        ),
        ("password without its suffix", mutate(&xml, &encoded_admin, "cwBlAGMAcgBlAHQA"), "unattend.password-suffix"),
        (
            "UILanguage=en-JP",
            mutate(
                &xml,
                "<UILanguage>ja-JP</UILanguage>\n      </SetupUILanguage>",
                "<UILanguage>en-JP</UILanguage>\n      </SetupUILanguage>",
            ),
            "unattend.value-enum",
        ),
        ("ProductKey absent", replace_element(&xml, "ProductKey", ""), "unattend.no-product-key"),
        (
            "PartitionId miscased",
            mutate(&xml, "<PartitionID>1</PartitionID>", "<PartitionId>1</PartitionId>"),
            "unattend.unknown-setting",
        ),
        (
            "LayeredDriver in oobeSystem",
            mutate(
                &xml,
                "<SystemLocale>ja-JP</SystemLocale>\n      <UILanguage>ja-JP</UILanguage>\n      <UserLocale>ja-JP</UserLocale>\n    </component>\n    <component name=\"Microsoft-Windows-Shell-Setup\"",
                "<SystemLocale>ja-JP</SystemLocale>\n      <UILanguage>ja-JP</UILanguage>\n      <UserLocale>ja-JP</UserLocale>\n      <LayeredDriver>6</LayeredDriver>\n    </component>\n    <component name=\"Microsoft-Windows-Shell-Setup\"",
            ),
            "unattend.unknown-setting",
        ),
        (
            "HideLocalAccountScreen (Windows Server only)",
            mutate(
                &xml,
                "<HideEULAPage>true</HideEULAPage>",
                "<HideEULAPage>true</HideEULAPage>\n        <HideLocalAccountScreen>true</HideLocalAccountScreen>",
            ),
            "unattend.server-only",
        ),
        (
            "SkipMachineOOBE",
            mutate(
                &xml,
                "<HideEULAPage>true</HideEULAPage>",
                "<HideEULAPage>true</HideEULAPage>\n        <SkipMachineOOBE>true</SkipMachineOOBE>",
            ),
            "unattend.unknown-setting",
        ),
        (
            "a component twice in a pass",
            mutate(
                &xml,
                "<settings pass=\"specialize\">",
                "<settings pass=\"specialize\">\n    <component name=\"Microsoft-Windows-TerminalServices-LocalSessionManager\" processorArchitecture=\"amd64\" publicKeyToken=\"31bf3856ad364e35\" language=\"neutral\" versionScope=\"nonSxS\"><fDenyTSConnections>true</fDenyTSConnections></component>",
            ),
            "unattend.duplicate-component",
        ),
    ];
    assert!(mutations.len() >= 17);
    let mut missed = Vec::new();
    for (what, mutated, expected) in &mutations {
        let found = keys(mutated);
        if !found.iter().any(|k| k == expected) {
            missed.push(format!("{what}: expected {expected}, found {found:?}"));
        }
    }
    assert!(missed.is_empty(), "mutations that passed:\n{}", missed.join("\n"));
}
