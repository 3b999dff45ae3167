//! Windows PowerShell 5.1 pitfalls that parse and run, and do the wrong thing:
//! - two spellings of one variable: names ignore case, so `$store` in a loop overwrites `$Store`
//!   (about_Variables: "Variable names aren't case-sensitive");
//! - a `foreach` variable that is also read in its own collection: after the loop it keeps the last element;
//! - a native program whose exit code is never looked at: a failing `icacls.exe` throws nothing, even under
//!   `$ErrorActionPreference = 'Stop'` (about_Preference_Variables: the preference applies to PowerShell errors;
//!   native commands report through `$LASTEXITCODE`, about_Automatic_Variables);
//! - `$null` on the right of a comparison: with an array on the left, `-eq $null` filters the array instead of
//!   testing it (about_Comparison_Operators, "When the input is a collection"; PSScriptAnalyzer
//!   PossibleIncorrectComparisonWithNull);
//! - a cmdlet whose default bites when a parameter is left out ([`DEFAULTS_THAT_BITE`]);
//! - `$PSScriptRoot` or `$PSCommandPath` in a default of the script's own parameters: Windows PowerShell 5.1 has not
//!   set them yet when it binds an advanced script's parameters, so the default is built from an empty string
//!   (PowerShell/PowerShell#4688).

use super::syntax::{
    Command, Parsed, descendants, enclosing_function, is_native_program, strip_wrappers, variable_key,
    variable_spelling,
};
use super::{Finding, Rule};
use crate::msg;
use std::collections::BTreeMap;
use tree_sitter::Node;

/// Automatic and preference variables: spelled by Windows, not by the scripts.
const AUTOMATIC: &[&str] = &[
    "_",
    "args",
    "confirmpreference",
    "error",
    "erroractionpreference",
    "false",
    "home",
    "host",
    "input",
    "lastexitcode",
    "matches",
    "myinvocation",
    "null",
    "pid",
    "psboundparameters",
    "pscmdlet",
    "pscommandpath",
    "psitem",
    "psscriptroot",
    "psversiontable",
    "pwd",
    "this",
    "true",
    "verbosepreference",
    "warningpreference",
    "progresspreference",
    "informationpreference",
];

/// A cmdlet, the parameter it must be given, the parameters that stand in for it, and why.
struct Default {
    cmdlet: &'static str,
    parameter: &'static str,
    or: &'static [&'static str],
    why: fn() -> String,
}

/// Defaults of Windows that a script must override.
const DEFAULTS_THAT_BITE: &[Default] = &[Default {
    cmdlet: "Register-ScheduledTask",
    parameter: "Settings",
    or: &["InputObject", "Xml"],
    why: || crate::t!("powershell.why.task-settings"),
}];

pub fn check(script: &Parsed<'_>, commands: &[Command<'_>], findings: &mut Vec<Finding>) {
    case_variants(script, findings);
    for command in commands {
        defaults_that_bite(script, command, findings);
    }
    for node in script.nodes() {
        match node.kind() {
            "foreach_statement" => loop_over_itself(script, node, findings),
            "command" => unchecked_exit_code(script, node, findings),
            "comparison_expression" => null_on_the_right(script, node, findings),
            "script_parameter" => script_root_in_default(script, node, findings),
            _ => {}
        }
    }
}

/// Each scope (the script, and each function with the script's variables it can see) sets each variable under one
/// spelling. Only definitions count (assignments, loop variables, parameters): a read in another case is only style,
/// two definitions in two cases are the fault that overwrote the firewall's policy store.
fn case_variants(script: &Parsed<'_>, findings: &mut Vec<Finding>) {
    let variables: Vec<(Node, Option<Node>)> = script
        .nodes()
        .into_iter()
        .filter(|n| n.kind() == "variable" && is_definition(*n))
        .map(|n| (n, enclosing_function(n)))
        .collect();
    let mut scopes: Vec<Option<Node>> = variables.iter().map(|(_, f)| *f).collect();
    scopes.sort_by_key(|f| f.map(|n| n.id()));
    scopes.dedup_by_key(|f| f.map(|n| n.id()));
    for scope in scopes {
        let mut first: BTreeMap<String, &str> = BTreeMap::new();
        let mut reported = std::collections::BTreeSet::new();
        let in_scope = variables.iter().filter(|(_, f)| f.is_none() || f.map(|n| n.id()) == scope.map(|n| n.id()));
        for (node, function) in in_scope {
            let written = script.source(*node);
            let Some(key) = variable_key(written) else { continue };
            if AUTOMATIC.contains(&key.as_str()) {
                continue;
            }
            let spelling = variable_spelling(written);
            match first.get(&key) {
                None => {
                    first.insert(key, spelling);
                }
                Some(earlier) if *earlier != spelling && (scope.is_none() || function.is_some()) => {
                    if reported.insert(key.clone()) {
                        findings.push(Finding::new(
                            Rule::Pitfall,
                            node.start_byte(),
                            msg!(
                                "powershell.case-variant",
                                first = format!("${earlier}"),
                                second = format!("${spelling}")
                            ),
                        ));
                    }
                }
                Some(_) => {}
            }
        }
    }
}

/// A default of the script's own parameters (not a function's) that reads `$PSScriptRoot` or `$PSCommandPath`.
fn script_root_in_default(script: &Parsed<'_>, parameter: Node<'_>, findings: &mut Vec<Finding>) {
    if enclosing_function(parameter).is_some() {
        return;
    }
    let mut cursor = parameter.walk();
    let Some(default) = parameter.named_children(&mut cursor).find(|c| c.kind() == "script_parameter_default") else {
        return;
    };
    for variable in descendants(default).into_iter().filter(|n| n.kind() == "variable") {
        let key = variable_key(script.source(variable)).unwrap_or_default();
        if key == "psscriptroot" || key == "pscommandpath" {
            findings.push(Finding::new(
                Rule::Pitfall,
                variable.start_byte(),
                msg!("powershell.script-root-in-default", variable = script.source(variable)),
            ));
        }
    }
}

/// Whether `variable` is set where it stands: an assignment's target, a loop variable or a parameter.
fn is_definition(variable: Node<'_>) -> bool {
    if let Some("foreach_statement" | "script_parameter") = variable.parent().map(|p| p.kind()) {
        return true;
    }
    let mut node = variable;
    while let Some(parent) = node.parent() {
        match parent.kind() {
            "left_assignment_expression" => return true,
            "unary_expression"
            | "array_literal_expression"
            | "range_expression"
            | "format_expression"
            | "multiplicative_expression"
            | "additive_expression"
            | "comparison_expression"
            | "bitwise_expression"
            | "logical_expression" => node = parent,
            _ => return false,
        }
    }
    false
}

fn defaults_that_bite(script: &Parsed<'_>, command: &Command<'_>, findings: &mut Vec<Finding>) {
    let Some(name) = command.literal_name(script) else { return };
    if command.is_splatted() {
        return; // the parameter may be in the hashtable
    }
    for default in DEFAULTS_THAT_BITE.iter().filter(|d| d.cmdlet.eq_ignore_ascii_case(name)) {
        let given = std::iter::once(default.parameter)
            .chain(default.or.iter().copied())
            .any(|p| command.named(script, p).is_some());
        if !given {
            findings.push(Finding::new(
                Rule::Pitfall,
                command.node.start_byte(),
                msg!("powershell.default-bites", command = name, parameter = default.parameter, why = (default.why)()),
            ));
        }
    }
}

fn loop_over_itself(script: &Parsed<'_>, node: Node<'_>, findings: &mut Vec<Finding>) {
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    let Some(variable) = children.iter().find(|c| c.kind() == "variable") else { return };
    let Some(collection) = children.iter().find(|c| c.kind() == "pipeline") else { return };
    let key = variable_key(script.source(*variable));
    let reads_itself =
        descendants(*collection).into_iter().any(|n| n.kind() == "variable" && variable_key(script.source(n)) == key);
    if reads_itself {
        findings.push(Finding::new(
            Rule::Pitfall,
            variable.start_byte(),
            msg!("powershell.loop-over-itself", variable = script.source(*variable)),
        ));
    }
}

fn unchecked_exit_code(script: &Parsed<'_>, command: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(name) = command.child_by_field_name("command_name") else { return };
    let name = script.source(strip_wrappers(name));
    if !is_native_program(name) {
        return;
    }
    // The statement that runs the program, and the ones after it in the same block.
    let mut statement = command;
    while let Some(parent) = statement.parent() {
        if parent.kind() == "statement_list" {
            break;
        }
        statement = parent;
    }
    let mentions = |n: Node<'_>| {
        let text = script.source(n).to_lowercase();
        text.contains("$lastexitcode") || text.contains("$?")
    };
    if mentions(statement) {
        return;
    }
    let mut next = statement.next_named_sibling();
    while let Some(sibling) = next {
        if mentions(sibling) {
            return;
        }
        let runs_another = descendants(sibling).into_iter().any(|n| {
            n.kind() == "command"
                && n.child_by_field_name("command_name")
                    .is_some_and(|c| is_native_program(script.source(strip_wrappers(c))))
        });
        if runs_another {
            break;
        }
        next = sibling.next_named_sibling();
    }
    findings.push(Finding::new(Rule::Pitfall, command.start_byte(), msg!("powershell.exit-code", program = name)));
}

fn null_on_the_right(script: &Parsed<'_>, node: Node<'_>, findings: &mut Vec<Finding>) {
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    for pair in children.windows(2) {
        if pair[0].kind() == "comparison_operator"
            && script.source(strip_wrappers(pair[1])).eq_ignore_ascii_case("$null")
        {
            findings.push(Finding::new(
                Rule::Pitfall,
                node.start_byte(),
                msg!("powershell.null-on-the-right", operator = script.source(pair[0])),
            ));
        }
    }
}
