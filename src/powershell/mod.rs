//! The lint of the rendered PowerShell: what Windows PowerShell 5.1 would refuse or get wrong, found before a
//! stick is made. Organisation template sets are written by people who do not run tanmatsu's tests, so `render`
//! and `build` run this on every script and refuse media with a finding.
//!
//! Five kinds of rule, each from a published definition rather than from memory:
//! - [`cmdlets`]: cmdlets, parameters, parameter sets, accepted values and 5.1's own validations, from the cmdlet
//!   catalog;
//! - [`types`]: .NET types and their static members, from the type catalog (.NET Framework 4.8);
//! - [`registry`]: every registry value written or read, from the policy catalog;
//! - [`pitfalls`]: 5.1 behaviour that parses and runs but does the wrong thing;
//! - syntax: the script parses (tree-sitter-powershell).

mod cmdlets;
mod pitfalls;
mod registry;
mod syntax;
mod types;
mod values;

use crate::diagnostic::{Diagnostic, Location};
use crate::i18n::Message;
use crate::msg;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use syntax::Parsed;
use values::Env;

pub use cmdlets::{WINDOWS_PROGRAMS, catalog as cmdlet_catalog};
pub use types::catalog as type_catalog;

/// Syntax-tree depth beyond which a script is refused rather than walked (the built-in scripts reach 76).
const MAX_DEPTH: usize = 400;

/// Which family of rules a finding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Syntax,
    Cmdlet,
    Registry,
    Pitfall,
    Type,
}

/// One problem in one script.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: Rule,
    /// Byte offset in the script.
    pub offset: usize,
    pub message: Message,
}

impl Finding {
    fn new(rule: Rule, offset: usize, message: Message) -> Finding {
        Finding { rule, offset, message }
    }
}

/// Every finding in a set of scripts, by script name. The set is linted as a whole: functions and lists defined in
/// one script (`Tanmatsu.Common.ps1`, `hardening-lists.ps1`) are known in the others.
pub fn lint(scripts: &[(String, String)]) -> Vec<(String, Finding)> {
    let parsed: Vec<Parsed> = scripts.iter().map(|(name, text)| Parsed::new(name, text)).collect();
    let functions: Vec<syntax::Function> = parsed.iter().flat_map(syntax::functions).collect();
    let defined_types = types::defined_types(&parsed);
    let sourced = Sourced { scripts: &parsed, done: RefCell::new(HashMap::new()) };
    let mut all = Vec::new();
    for script in &parsed {
        let mut findings = Vec::new();
        let (depth, deepest) = script.depth();
        if let Some(offset) = script.first_error() {
            findings.push(Finding::new(Rule::Syntax, offset, msg!("powershell.syntax")));
        } else if depth > MAX_DEPTH {
            // The rules walk the tree recursively; no script of a template set nests anywhere near this.
            findings.push(Finding::new(Rule::Syntax, deepest, msg!("powershell.too-deep", max = MAX_DEPTH)));
        } else {
            let is_switch = |command: &str, parameter: &str| is_switch(&functions, command, parameter);
            let listed = syntax::commands(script, &is_switch);
            let commands: HashMap<usize, &syntax::Command> = listed.iter().map(|c| (c.node.id(), c)).collect();
            values::walk(script, Env::default(), &|name| sourced.env(name), &mut |node, env| {
                if let Some(command) = commands.get(&node.id()) {
                    cmdlets::check(script, command, env, &functions, &mut findings);
                    let inside_helper = syntax::enclosing_function(node)
                        .and_then(|f| functions.iter().find(|g| g.node.id() == f.id()))
                        .is_some_and(|f| registry::is_helper(&f.name));
                    registry::check(script, command, env, inside_helper, &mut findings);
                }
            });
            pitfalls::check(script, &listed, &mut findings);
            types::check(script, &listed, &defined_types, &mut findings);
        }
        findings.sort_by_key(|f| f.offset);
        all.extend(findings.into_iter().map(|f| (script.name.to_string(), f)));
    }
    all
}

/// The findings of [`lint`] as diagnostics, each at its line of `folder/<script>`.
pub fn diagnostics(folder: &str, scripts: &[(String, String)]) -> Vec<Diagnostic> {
    lint(scripts)
        .into_iter()
        .map(|(name, finding)| {
            let text = scripts.iter().find(|(n, _)| *n == name).map_or("", |(_, t)| t.as_str());
            let location = Location::at_offset(&Path::new(folder).join(&name), text, finding.offset);
            let mut diagnostic = Diagnostic::error(finding.message).help(msg!("powershell.help", script = &name));
            diagnostic.location = Some(location);
            diagnostic
        })
        .collect()
}

fn is_switch(functions: &[syntax::Function], command: &str, parameter: &str) -> bool {
    if let Some(function) = functions.iter().find(|f| f.name.eq_ignore_ascii_case(command)) {
        return function
            .parameters
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case(parameter) && p.type_name.as_deref() == Some("switch"));
    }
    cmdlets::cmdlet(command).is_some_and(|c| c.is_switch(parameter))
}

/// What each dot-sourced script of the set defines, worked out once.
struct Sourced<'a> {
    scripts: &'a [Parsed<'a>],
    done: RefCell<HashMap<String, Option<Env>>>,
}

impl Sourced<'_> {
    fn env(&self, name: &str) -> Option<Env> {
        let key = name.to_lowercase();
        if let Some(known) = self.done.borrow().get(&key) {
            return known.clone();
        }
        // Marked first, so that a script that sources itself (or a cycle) ends here.
        self.done.borrow_mut().insert(key.clone(), None);
        let script = self.scripts.iter().find(|s| s.name.eq_ignore_ascii_case(name))?;
        let env = values::walk(script, Env::default(), &|inner| self.env(inner), &mut |_, _| {});
        self.done.borrow_mut().insert(key, Some(env.clone()));
        Some(env)
    }
}

#[cfg(test)]
mod tests {
    use super::{Rule, lint};

    /// The findings of one script, as (rule, line, message key).
    fn findings(text: &str) -> Vec<(Rule, usize, String)> {
        let scripts = vec![("test.ps1".to_string(), text.to_string())];
        lint(&scripts)
            .into_iter()
            .map(|(_, f)| (f.rule, text[..f.offset].matches('\n').count() + 1, f.message.key.to_string()))
            .collect()
    }

    fn keys(text: &str) -> Vec<String> {
        findings(text).into_iter().map(|(_, _, key)| key).collect()
    }

    #[test]
    fn a_clean_script_has_no_finding() {
        let text = "$ErrorActionPreference = 'Stop'\n$names = @('a', 'b')\nforeach ($name in $names) { Write-Host $name }\n\
                    & icacls.exe 'C:\\x' /reset | Out-Null\nif ($LASTEXITCODE -ne 0) { throw 'icacls' }\n\
                    if ($null -eq $names) { }\nSet-NetFirewallProfile -Name Domain, Private -Enabled True -DefaultOutboundAction Block\n";
        assert_eq!(findings(text), []);
    }

    #[test]
    fn unknown_cmdlets_parameters_programs_and_values_are_caught() {
        let found = findings(
            "Get-Item -LitralPath 'C:\\'\nGet-Itemm 'x'\nformat.exe C:\nSet-NetFirewallProfile -Name Domain -DefaultOutboundAction Blok\n",
        );
        let expected = [
            (Rule::Cmdlet, 1, "powershell.unknown-parameter"),
            (Rule::Cmdlet, 2, "powershell.unknown-cmdlet"),
            (Rule::Cmdlet, 3, "powershell.unknown-program"),
            (Rule::Pitfall, 3, "powershell.exit-code"),
            (Rule::Cmdlet, 4, "powershell.not-accepted"),
        ];
        assert_eq!(found, expected.map(|(r, l, k)| (r, l, k.to_string())));
    }

    #[test]
    fn parameters_of_two_parameter_sets_are_caught() {
        // -Name and -DisplayName select different parameter sets of Get-NetFirewallRule.
        assert_eq!(keys("Get-NetFirewallRule -Name 'a' -DisplayName 'b'\n"), ["powershell.parameter-sets"]);
        assert_eq!(keys("Get-NetFirewallRule -DisplayName 'b' -PolicyStore ActiveStore\n"), Vec::<String>::new());
    }

    #[test]
    fn an_argument_list_that_can_be_empty_is_caught() {
        let function = "function Invoke-It {\n    param([string[]]$Arguments = @())\n    Start-Process -FilePath 'x.exe' -ArgumentList $Arguments -Wait\n}\n";
        assert_eq!(findings(function), [(Rule::Cmdlet, 3, "powershell.may-be-empty".to_string())]);
        assert_eq!(keys("Start-Process -FilePath 'x.exe' -ArgumentList @()\n"), ["powershell.may-be-empty"]);
        assert_eq!(
            keys("$none = @()\nStart-Process -FilePath 'x.exe' -ArgumentList $none\n"),
            ["powershell.may-be-empty"]
        );
        // Splatted, with the list added only when it has elements: fine.
        let splat = "function Invoke-It {\n    param([string[]]$Arguments = @())\n    $start = @{ FilePath = 'x.exe' }\n    if ($Arguments.Count -gt 0) { $start.ArgumentList = $Arguments }\n    Start-Process @start\n}\n";
        assert_eq!(keys(splat), Vec::<String>::new());
        assert_eq!(keys("Start-Process -FilePath 'x.exe' -ArgumentList @('/quiet')\n"), Vec::<String>::new());
    }

    #[test]
    fn one_variable_in_two_spellings_is_caught() {
        let text = "$Store = 'localhost'\nforeach ($store in @($Store, 'PersistentStore')) { Write-Host $store }\n";
        let found = keys(text);
        assert!(found.contains(&"powershell.case-variant".to_string()), "{found:?}");
        assert!(found.contains(&"powershell.loop-over-itself".to_string()), "{found:?}");
        // A function setting the script's variable in another case, too; a read in another case is only style.
        let in_function = "$Group = 'tanmatsu'\nfunction Add-It {\n    $group = 'x'\n    Write-Host $group\n}\n";
        assert_eq!(findings(in_function), [(Rule::Pitfall, 3, "powershell.case-variant".to_string())]);
        // The same spelling everywhere, and `$script:` prefixes, are one variable in one spelling.
        assert_eq!(keys("$script:Log = 'x'\nWrite-Host $Log\n"), Vec::<String>::new());
        assert_eq!(keys("$ComputerName = 'x'\nWrite-Host $computerName\n"), Vec::<String>::new());
    }

    #[test]
    fn a_native_exit_code_left_unread_and_null_on_the_right_are_caught() {
        assert_eq!(
            findings("& w32tm.exe /resync | Out-Null\nWrite-Host 'done'\n"),
            [(Rule::Pitfall, 1, "powershell.exit-code".to_string())]
        );
        assert_eq!(keys("& w32tm.exe /resync\nif ($LASTEXITCODE -ne 0) { }\n"), Vec::<String>::new());
        assert_eq!(keys("if ($items -eq $null) { }\n"), ["powershell.null-on-the-right"]);
    }

    #[test]
    fn the_script_root_in_a_script_parameters_default_is_caught() {
        let script =
            "[CmdletBinding()]\nparam(\n    [string]$Root = (Split-Path -Parent $PSScriptRoot)\n)\nWrite-Host $Root\n";
        assert_eq!(keys(script), ["powershell.script-root-in-default"]);
        let in_body =
            "param(\n    [string]$Root = ''\n)\nif (-not $Root) { $Root = Split-Path -Parent $PSScriptRoot }\n";
        assert_eq!(keys(in_body), Vec::<String>::new());
        let function = "function Get-It {\n    param([string]$Root = $PSScriptRoot)\n    $Root\n}\n";
        assert_eq!(keys(function), Vec::<String>::new());
    }

    #[test]
    fn calls_are_bound_as_powershell_binds_them() {
        // By position: -ArgumentList is Start-Process's second positional parameter.
        assert_eq!(keys("Start-Process 'x.exe' @()\n"), ["powershell.may-be-empty"]);
        // By unique prefix, common-parameter alias and built-in alias.
        assert_eq!(keys("Get-ChildItem -Rec -ea SilentlyContinue | % { $_ } | ? { $_ }\n"), Vec::<String>::new());
        // An enumeration by its number.
        assert_eq!(keys("Set-MpPreference -ScanParameters 2\n"), Vec::<String>::new());
        // A splatted hashtable may hold what the call needs.
        assert_eq!(keys("$task = @{ TaskName = 't' }\nRegister-ScheduledTask @task\n"), Vec::<String>::new());
    }

    #[test]
    fn a_task_without_settings_is_caught() {
        let task = "$a = New-ScheduledTaskAction -Execute 'x.exe'\n";
        assert_eq!(
            keys(&format!("{task}Register-ScheduledTask -TaskName 't' -Action $a\n")),
            ["powershell.default-bites"]
        );
        let settings = "$s = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries\n";
        assert_eq!(
            keys(&format!("{task}{settings}Register-ScheduledTask -TaskName 't' -Action $a -Settings $s\n")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn registry_values_are_checked_against_the_policy_catalog() {
        let common = "function Set-TanmatsuRegistryValue {\n    param([string]$Path, [string]$Name, $Value, [string]$Type = 'DWord')\n    $null = New-ItemProperty -LiteralPath $Path -Name $Name -Value $Value -PropertyType $Type -Force\n}\n\
                      function Set-TanmatsuRegistryList {\n    param([string]$Path, [string[]]$Values = @())\n    $null = New-Item -Path $Path -Force\n}\n\
                      function Get-TanmatsuRegistryValue {\n    param([string]$Path, [string]$Name)\n}\n";
        let key = "$key = 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\DeviceInstall\\Restrictions'\n";
        let lint_with = |body: &str| -> Vec<String> {
            let scripts =
                vec![("Common.ps1".to_string(), common.to_string()), ("step.ps1".to_string(), format!("{key}{body}"))];
            lint(&scripts)
                .into_iter()
                .filter(|(n, _)| n == "step.ps1")
                .map(|(_, f)| f.message.key.to_string())
                .collect()
        };
        // The value name Windows reads, as a flag and as the list key beside it.
        assert_eq!(
            lint_with(
                "Set-TanmatsuRegistryValue -Path $key -Name 'AllowInstanceIDs' -Value 1\nSet-TanmatsuRegistryList -Path \"$key\\AllowInstanceIDs\" -Values @('X')\n"
            ),
            Vec::<String>::new()
        );
        // The name Windows never reads, whether as a flag or as a list.
        assert_eq!(
            lint_with("Set-TanmatsuRegistryValue -Path $key -Name 'AllowDeviceInstanceIDs' -Value 1\n"),
            ["powershell.registry-unknown-value"]
        );
        assert_eq!(
            lint_with(
                "foreach ($list in @('AllowDeviceInstanceIDs')) { Set-TanmatsuRegistryList -Path \"$key\\$list\" -Values @('X') }\n"
            ),
            ["powershell.registry-unknown-value"]
        );
        // A string where Windows reads a number, and a path the lint cannot follow.
        assert_eq!(
            lint_with(
                "Set-TanmatsuRegistryValue -Path 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU' -Name 'NoAutoUpdate' -Value '1' -Type 'String'\n"
            ),
            ["powershell.registry-type"]
        );
        // A list policy read as one value, and a single value written as a list.
        assert_eq!(
            lint_with(
                "$edge = 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Edge'\n$x = Get-TanmatsuRegistryValue -Path $edge -Name 'URLAllowlist'\n"
            ),
            ["powershell.registry-a-list"]
        );
        assert_eq!(
            lint_with("Set-TanmatsuRegistryList -Path \"$key\\AllowDenyLayered\" -Values @('1')\n"),
            ["powershell.registry-not-a-list"]
        );
        assert_eq!(
            lint_with("Set-TanmatsuRegistryValue -Path (Get-Location) -Name 'AllowDenyLayered' -Value 1\n"),
            ["powershell.registry-unknown-path"]
        );
        // A name set in either branch of a condition is checked in both.
        assert_eq!(
            lint_with(
                "if ($x) { $name = 'AllowInstanceIDs' } else { $name = 'AllowDeviceInstanceIDs' }\nSet-TanmatsuRegistryValue -Path $key -Name $name -Value 1\n"
            ),
            ["powershell.registry-unknown-value"]
        );
        // A DWORD in hexadecimal is the same number.
        assert_eq!(
            lint_with(
                "$e = 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Edge'\nSet-TanmatsuRegistryValue -Path $e -Name 'DefaultJavaScriptSetting' -Value 0x2\n"
            ),
            Vec::<String>::new()
        );
        // reg.exe is read the same way.
        let reg = "& reg.exe add 'HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\DeviceInstall\\Restrictions' /v";
        let checked = "/t REG_DWORD /d 1 /f\nif ($LASTEXITCODE -ne 0) { throw 'reg' }\n";
        assert_eq!(lint_with(&format!("{reg} AllowInstanceIDs {checked}")), Vec::<String>::new());
        assert_eq!(
            lint_with(&format!("{reg} AllowDeviceInstanceIDs {checked}")),
            ["powershell.registry-unknown-value"]
        );
        // Edge: an allowed value, one outside the allowed ones, a policy Edge ignores on an unmanaged PC.
        let edge = "$edge = 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Edge'\n";
        assert_eq!(
            lint_with(&format!(
                "{edge}Set-TanmatsuRegistryValue -Path $edge -Name 'DefaultJavaScriptSetting' -Value 2\n"
            )),
            Vec::<String>::new()
        );
        assert_eq!(
            lint_with(&format!(
                "{edge}Set-TanmatsuRegistryValue -Path $edge -Name 'DefaultJavaScriptSetting' -Value 7\n"
            )),
            ["powershell.registry-data"]
        );
        assert_eq!(
            lint_with(&format!(
                "{edge}Set-TanmatsuRegistryValue -Path $edge -Name 'HomepageLocation' -Value 'https://x/' -Type 'String'\n"
            )),
            ["powershell.registry-managed-only"]
        );
    }

    #[test]
    fn a_script_that_does_not_parse_or_nests_too_deep_is_caught() {
        assert_eq!(keys("function Broken {\n    if ($x { }\n}\n"), ["powershell.syntax"]);
        let deep = format!("$x = {}1{}\n", "(".repeat(2000), ")".repeat(2000));
        assert_eq!(keys(&deep), ["powershell.too-deep"]);
    }

    #[test]
    fn types_and_static_members_outside_dotnet_framework_are_caught() {
        // Windows PowerShell 5.1's own: accelerators, a name in System, a generic, a keyword, a type of the set.
        let fine = "[int]$n = [math]::Round(2.5)\n$l = New-Object System.Collections.Generic.List[object]\n\
                    $h = [ordered]@{ a = 1 }\n[byte[]]$b = [System.Convert]::FromBase64String('')\n\
                    Add-Type -TypeDefinition 'public static class Mine { public static void Go() {} }'\n[Mine]::Go()\n";
        let found = findings(fine);
        // FromBase64String is real, but the catalog lists what the scripts use: a new one is added with its source.
        assert_eq!(found, [(Rule::Type, 4, "powershell.unknown-static-member".to_string())]);
        // .NET 5 and later only: Convert.ToHexString, System.Text.Json; an uncatalogued type's static call.
        assert_eq!(
            findings(
                "$x = [System.Convert]::ToHexString($b)\n$j = [System.Text.Json.JsonSerializer]\n$w = New-Object System.Net.WebClient\n$e = [System.Text.Encoding]::UTF8\n$p = [uri]::EscapeDataString('x')\n"
            ),
            [
                (Rule::Type, 1, "powershell.unknown-static-member".to_string()),
                (Rule::Type, 2, "powershell.unknown-type".to_string()),
                (Rule::Type, 3, "powershell.unknown-type".to_string()),
                (Rule::Type, 4, "powershell.unknown-static-member".to_string()),
                (Rule::Type, 5, "powershell.uncatalogued-static-member".to_string()),
            ]
        );
    }

    #[test]
    fn the_type_catalog_names_its_sources_and_the_accelerators_of_5_1() {
        let catalog = super::type_catalog();
        assert_eq!(catalog.accelerators.len(), 94, "about_Type_Accelerators for 5.1 has 94 rows");
        assert!(!catalog.accelerators.contains_key("ordered"), "[ordered] is syntax in 5.1, not an accelerator");
        for (name, dotnet) in &catalog.types {
            // The reference keeps each type in xml/<namespace>/<name>.xml.
            let (namespace, short) = name.rsplit_once('.').unwrap();
            let expected = format!("dotnet/dotnet-api-docs xml/{namespace}/{short}.xml");
            assert!(dotnet.source.starts_with(&expected), "{name}: {}", dotnet.source);
        }
    }

    #[test]
    fn every_users_hive_is_read_through_the_catalog_and_one_users_is_refused() {
        let every = "Get-ItemProperty -Path 'Registry::HKEY_USERS\\*\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*'\n";
        assert_eq!(keys(every), Vec::<String>::new());
        let one = "Get-ItemProperty -Path 'Registry::HKEY_USERS\\S-1-5-18\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*'\n";
        assert_eq!(keys(one), ["powershell.registry-hive"]);
        let unknown = "Get-ItemProperty -Path 'Registry::HKEY_USERS\\*\\Software\\Tanmatsu' -Name 'X'\n";
        assert_eq!(keys(unknown).len(), 1);
    }
}
