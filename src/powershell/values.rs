//! What a script's variables hold where a command runs, as far as the text alone tells: literals, arrays of
//! literals, strings built from them, loop variables over them, and what a dot-sourced list of the set defines.
//!
//! A value is the set of strings an expression may stand for; `None` is "not known from the text". That is enough
//! to follow `$edge = 'HKLM:\…'` into `Set-TanmatsuRegistryValue -Path "$edge\URLBlocklist"`, or
//! `foreach ($key in $AcrobatLockDownKeys)` into each key.

use super::syntax::{Parsed, descendants, strip_wrappers, variable_key};
use std::collections::HashMap;
use tree_sitter::Node;

/// Strings an expression may stand for.
pub type Value = Option<Vec<String>>;

/// Variables by [`variable_key`].
#[derive(Debug, Clone, Default)]
pub struct Env {
    variables: HashMap<String, Value>,
}

/// More possibilities than this and a value is no longer followed.
const MAX_POSSIBILITIES: usize = 64;

impl Env {
    pub fn get(&self, key: &str) -> Value {
        self.variables.get(key).cloned().flatten()
    }

    fn set(&mut self, key: String, value: Value) {
        self.variables.insert(key, value);
    }

    /// The strings the elements of one argument stand for together (`-Name 'a', $b`); `None` when one is unknown.
    pub fn eval_all(&self, script: &Parsed<'_>, nodes: &[Node<'_>]) -> Value {
        let mut all = Vec::new();
        for node in nodes {
            all.extend(self.eval(script, *node)?);
        }
        Some(all)
    }

    /// The strings `node` may stand for.
    pub fn eval(&self, script: &Parsed<'_>, node: Node<'_>) -> Value {
        let node = strip_wrappers(node);
        match node.kind() {
            "string_literal" => self.eval(script, node.named_child(0)?),
            "verbatim_string_characters" => {
                let text = script.source(node);
                Some(vec![text.get(1..text.len().checked_sub(1)?)?.replace("''", "'")])
            }
            "verbatim_here_string_characters" => {
                let text = script.source(node);
                let body = text.strip_prefix("@'")?.strip_suffix("'@")?;
                Some(vec![body.trim_start_matches(['\r', '\n']).trim_end_matches(['\r', '\n']).to_string()])
            }
            "expandable_string_literal" => {
                let text = script.source(node);
                self.expand(script, node, 1, text.len().checked_sub(1)?)
            }
            "integer_literal" | "real_literal" | "generic_token" => Some(vec![script.source(node).to_string()]),
            "variable" => {
                let spelling = script.source(node).to_lowercase();
                match spelling.as_str() {
                    "$true" => Some(vec!["True".into()]),
                    "$false" => Some(vec!["False".into()]),
                    _ => self.get(&variable_key(&spelling)?),
                }
            }
            "array_literal_expression" => {
                let mut all = Vec::new();
                let mut cursor = node.walk();
                for element in node.named_children(&mut cursor) {
                    all.extend(self.eval(script, element)?);
                }
                Some(all)
            }
            "array_expression" | "parenthesized_expression" => {
                let mut all = Vec::new();
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    let mut inner = child.walk();
                    let statements: Vec<Node> = if child.kind() == "statement_list" {
                        child.named_children(&mut inner).collect()
                    } else {
                        vec![child]
                    };
                    for statement in statements {
                        all.extend(self.eval(script, statement)?);
                    }
                }
                Some(all)
            }
            "expression_with_unary_operator" => {
                // A cast such as `[int]'5'` or `[string]$x`: the operand's text stands for the value.
                let operand = node.named_child(u32::try_from(node.named_child_count()).ok()?.checked_sub(1)?)?;
                (node.named_child(0)?.kind() == "type_literal").then(|| self.eval(script, operand)).flatten()
            }
            _ => None,
        }
    }

    /// An expandable string's possible texts, from its body between `start` and `end` (bytes within `node`).
    fn expand(&self, script: &Parsed<'_>, node: Node<'_>, start: usize, end: usize) -> Value {
        let text = script.source(node);
        let mut results = vec![String::new()];
        let mut position = start;
        let mut cursor = node.walk();
        let parts: Vec<Node> = node.named_children(&mut cursor).collect();
        for part in parts {
            let from = part.start_byte() - node.start_byte();
            let to = part.end_byte() - node.start_byte();
            let literal = unescape(text.get(position..from)?);
            let inserted = match part.kind() {
                "variable" => self.eval(script, part)?,
                _ => return None,
            };
            results = results
                .iter()
                .flat_map(|head| inserted.iter().map(|value| format!("{head}{literal}{value}")).collect::<Vec<_>>())
                .collect();
            if results.len() > MAX_POSSIBILITIES {
                return None;
            }
            position = to;
        }
        let tail = unescape(text.get(position..end)?);
        Some(results.into_iter().map(|head| head + &tail).collect())
    }
}

/// The text of a double-quoted string's literal part: backtick escapes and doubled quotes resolved.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '`' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('0') => out.push('\0'),
                Some(other) => out.push(other),
                None => {}
            },
            '"' if chars.clone().next() == Some('"') => {
                chars.next();
                out.push('"');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Calls `visit(node, env)` for every node of `script` in document order, with what the variables hold there.
/// `sourced(name)` gives the variables a dot-sourced script of the set defines.
pub fn walk<'t>(
    script: &'t Parsed<'_>,
    start: Env,
    sourced: &dyn Fn(&str) -> Option<Env>,
    visit: &mut dyn FnMut(Node<'t>, &Env),
) -> Env {
    let mut env = start;
    visit_node(script, script.tree.root_node(), &mut env, sourced, visit);
    env
}

fn visit_node<'t>(
    script: &'t Parsed<'_>,
    node: Node<'t>,
    env: &mut Env,
    sourced: &dyn Fn(&str) -> Option<Env>,
    visit: &mut dyn FnMut(Node<'t>, &Env),
) {
    visit(node, env);
    match node.kind() {
        "assignment_expression" => {
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            for child in &children {
                visit_node(script, *child, env, sourced, visit);
            }
            let target = children.first().map(|l| strip_wrappers(l.named_child(0).unwrap_or(*l)));
            let operator = children.iter().find(|c| c.kind() == "assignement_operator").map(|o| script.source(*o));
            if let (Some(target), Some(operator)) = (target, operator)
                && target.kind() == "variable"
                && let Some(key) = variable_key(script.source(target))
            {
                let value = match (operator.trim(), node.child_by_field_name("value")) {
                    ("=", Some(value)) => env.eval(script, value),
                    _ => None,
                };
                // Set in one branch of a condition, the variable may still hold what it held before (if it held anything).
                let value = if is_conditional(node) {
                    match (env.variables.get(&key).cloned(), value) {
                        (Some(Some(mut before)), Some(now)) => {
                            before.extend(now);
                            before.dedup();
                            Some(before)
                        }
                        (None, now) => now,
                        _ => None,
                    }
                } else {
                    value
                };
                env.set(key, value);
            }
        }
        "foreach_statement" => {
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            let variable = children.iter().find(|c| c.kind() == "variable");
            let collection = children.iter().find(|c| c.kind() == "pipeline");
            if let Some(collection) = collection {
                visit_node(script, *collection, env, sourced, visit);
            }
            if let Some(key) = variable.and_then(|v| variable_key(script.source(*v))) {
                let value = collection.and_then(|c| env.eval(script, *c));
                env.set(key, value);
            }
            for child in children.iter().filter(|c| c.kind() == "statement_block") {
                visit_node(script, *child, env, sourced, visit);
            }
        }
        "pipeline_chain" => {
            // `<constants> | ForEach-Object { … $_ … }`: the script blocks of the later commands see each element.
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            let input = children.first().filter(|_| children.len() > 1).and_then(|first| env.eval(script, *first));
            for (index, child) in children.iter().enumerate() {
                if index > 0 && input.is_some() {
                    let mut inner = env.clone();
                    inner.set("_".into(), input.clone());
                    inner.set("psitem".into(), input.clone());
                    visit_node(script, *child, &mut inner, sourced, visit);
                } else {
                    visit_node(script, *child, env, sourced, visit);
                }
            }
        }
        "function_statement" => {
            let mut inner = env.clone();
            for parameter in descendants(node).into_iter().filter(|n| n.kind() == "script_parameter") {
                let mut cursor = parameter.walk();
                if let Some(variable) = parameter.children(&mut cursor).find(|c| c.kind() == "variable")
                    && let Some(key) = variable_key(script.source(variable))
                {
                    inner.set(key, None);
                }
            }
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            for child in children {
                visit_node(script, child, &mut inner, sourced, visit);
            }
        }
        "command" => {
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            for child in children {
                visit_node(script, child, env, sourced, visit);
            }
            if let Some(name) = dot_sourced(script, node)
                && let Some(defined) = sourced(&name)
            {
                env.variables.extend(defined.variables);
            }
        }
        _ => {
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            for child in children {
                visit_node(script, child, env, sourced, visit);
            }
        }
    }
}

/// Whether `node` runs only on some paths: inside an `if`, `switch`, loop or `try` of its scope.
fn is_conditional(node: Node<'_>) -> bool {
    let mut current = node.parent();
    while let Some(n) = current {
        match n.kind() {
            "if_statement" | "switch_statement" | "while_statement" | "do_statement" | "for_statement"
            | "try_statement" | "trap_statement" => return true,
            "function_statement" | "script_block_expression" => return false,
            _ => current = n.parent(),
        }
    }
    false
}

/// The file name of a script of the set that `command` dot-sources: `. (Join-Path $PSScriptRoot 'x.ps1')` or
/// `. "$PSScriptRoot\x.ps1"`.
pub fn dot_sourced(script: &Parsed<'_>, command: Node<'_>) -> Option<String> {
    let operator = command.child(0).filter(|c| c.kind() == "command_invokation_operator")?;
    if script.source(operator).trim() != "." {
        return None;
    }
    let name = command.child_by_field_name("command_name")?;
    let text = script.source(name);
    let file = text.rsplit(['\\', '/', '\'', '"', ' ']).find(|part| part.to_lowercase().ends_with(".ps1"))?;
    text.contains("$PSScriptRoot").then(|| file.to_string())
}
