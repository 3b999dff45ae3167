//! Reading generated PowerShell with tree-sitter-powershell, a parser no one here wrote.

use tree_sitter::{Node, Parser, Tree};

pub fn parse(text: &str) -> Tree {
    let mut parser = Parser::new();
    parser.set_language(&tree_sitter_powershell::LANGUAGE.into()).expect("the PowerShell grammar loads");
    parser.parse(text, None).expect("tree-sitter returns a tree")
}

/// Every node of the tree, depth first.
pub fn nodes(tree: &Tree) -> Vec<Node<'_>> {
    let mut found = Vec::new();
    let mut cursor = tree.walk();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        found.push(node);
        let children: Vec<Node> = node.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    found
}

/// The first syntax error as (line, the line's text), if any.
pub fn first_error(tree: &Tree, text: &str) -> Option<(usize, String)> {
    nodes(tree).into_iter().find(|n| n.is_error() || n.is_missing()).map(|n| {
        let line = n.start_position().row;
        (line + 1, text.lines().nth(line).unwrap_or_default().to_string())
    })
}

/// A command invocation: its name and the parameters written with it (`-Name`), with the line it is on.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub name: String,
    pub parameters: Vec<String>,
    pub line: usize,
}

pub fn invocations(tree: &Tree, text: &str) -> Vec<Invocation> {
    nodes(tree)
        .into_iter()
        .filter(|n| n.kind() == "command")
        .filter_map(|command| {
            let name = command.child_by_field_name("command_name")?;
            let name = name.utf8_text(text.as_bytes()).ok()?.to_string();
            let mut parameters = Vec::new();
            if let Some(elements) = command.child_by_field_name("command_elements") {
                let mut cursor = elements.walk();
                for element in elements.children(&mut cursor) {
                    if element.kind() == "command_parameter" {
                        let parameter = element.utf8_text(text.as_bytes()).unwrap_or_default();
                        parameters.push(parameter.trim_start_matches('-').trim_end_matches(':').to_string());
                    }
                }
            }
            Some(Invocation { name, parameters, line: command.start_position().row + 1 })
        })
        .collect()
}

/// Names of the functions the script defines, with their parameters.
pub fn functions(tree: &Tree, text: &str) -> Vec<(String, Vec<String>)> {
    nodes(tree)
        .into_iter()
        .filter(|n| n.kind() == "function_statement")
        .filter_map(|function| {
            let mut cursor = function.walk();
            let name = function.children(&mut cursor).find(|c| c.kind() == "function_name")?;
            let name = name.utf8_text(text.as_bytes()).ok()?.to_string();
            let parameters = nodes_below(function)
                .into_iter()
                .filter(|n| n.kind() == "script_parameter")
                .filter_map(|p| {
                    let mut cursor = p.walk();
                    let variable = p.children(&mut cursor).find(|c| c.kind() == "variable")?;
                    Some(variable.utf8_text(text.as_bytes()).ok()?.trim_start_matches('$').to_string())
                })
                .collect();
            Some((name, parameters))
        })
        .collect()
}

fn nodes_below(node: Node<'_>) -> Vec<Node<'_>> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        found.push(n);
        let mut cursor = n.walk();
        stack.extend(n.children(&mut cursor));
    }
    found
}

/// Whether byte `offset` lies inside a string literal of the tree.
pub fn inside_string_literal(tree: &Tree, start: usize, end: usize) -> bool {
    let mut node = tree.root_node().descendant_for_byte_range(start, end);
    while let Some(n) = node {
        if n.kind() == "string_literal" {
            return true;
        }
        node = n.parent();
    }
    false
}

/// The keys of the hash literal assigned to `$variable` (the first assignment of one), nested hash literals as
/// objects and any other value as `null`: the shape of what `ConvertTo-Json` makes of it.
pub fn hash_shape(tree: &Tree, text: &str, variable: &str) -> Option<serde_json::Value> {
    let hash = nodes(tree)
        .into_iter()
        .filter(|n| {
            n.kind() == "assignment_expression"
                && n.child(0).is_some_and(|left| left.utf8_text(text.as_bytes()).ok() == Some(variable))
        })
        .find_map(|assignment| first_below(assignment, "hash_literal_expression"))?;
    Some(shape(hash, text))
}

fn first_below<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    let mut cursor = node.walk();
    let children: Vec<Node> = node.named_children(&mut cursor).collect();
    children.into_iter().find_map(|child| if child.kind() == kind { Some(child) } else { first_below(child, kind) })
}

fn shape(hash: Node<'_>, text: &str) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    let Some(body) = first_below(hash, "hash_literal_body") else { return object.into() };
    let mut cursor = body.walk();
    for entry in body.named_children(&mut cursor).filter(|n| n.kind() == "hash_entry") {
        let Some(key) = entry.named_child(0) else { continue };
        let key = key.utf8_text(text.as_bytes()).unwrap_or_default().to_string();
        // A value that is itself a hash literal (through casts such as [ordered]) is an object; anything else a leaf.
        let value = entry.named_child(1).and_then(|value| {
            let mut node = value;
            while node.named_child_count() == 1 || node.kind() == "cast_expression" {
                if node.kind() == "hash_literal_expression" {
                    break;
                }
                node = node.named_child(node.named_child_count() as u32 - 1)?;
            }
            (node.kind() == "hash_literal_expression").then(|| shape(node, text))
        });
        object.insert(key, value.unwrap_or(serde_json::Value::Null));
    }
    object.into()
}
