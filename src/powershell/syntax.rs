//! The rendered scripts as tree-sitter-powershell reads them: commands with their bound arguments, functions with
//! their parameters, and the node walks the rules share.

use tree_sitter::{Node, Parser, Tree};

/// One parsed script.
pub struct Parsed<'a> {
    /// The script's name on the media (`70-no-sharing.ps1`).
    pub name: &'a str,
    pub text: &'a str,
    pub tree: Tree,
}

impl<'a> Parsed<'a> {
    pub fn new(name: &'a str, text: &'a str) -> Parsed<'a> {
        let mut parser = Parser::new();
        parser.set_language(&tree_sitter_powershell::LANGUAGE.into()).expect("the PowerShell grammar loads");
        let tree = parser.parse(text, None).expect("tree-sitter returns a tree without a time-out or cancellation");
        Parsed { name, text, tree }
    }

    pub fn source(&self, node: Node<'_>) -> &'a str {
        &self.text[node.byte_range()]
    }

    /// Every node, depth first in document order.
    pub fn nodes(&self) -> Vec<Node<'_>> {
        descendants(self.tree.root_node())
    }

    /// How deep the tree nests, and the byte offset of its deepest node.
    pub fn depth(&self) -> (usize, usize) {
        let mut deepest = (0, 0);
        let mut stack = vec![(self.tree.root_node(), 0)];
        while let Some((node, depth)) = stack.pop() {
            if depth > deepest.0 {
                deepest = (depth, node.start_byte());
            }
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor).map(|c| (c, depth + 1)));
        }
        deepest
    }

    /// The first syntax error's byte offset, if any.
    pub fn first_error(&self) -> Option<usize> {
        self.nodes().into_iter().find(|n| n.is_error() || n.is_missing()).map(|n| n.start_byte())
    }
}

/// `node` and everything below it, depth first in document order.
pub fn descendants(node: Node<'_>) -> Vec<Node<'_>> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        found.push(n);
        let mut cursor = n.walk();
        let children: Vec<Node> = n.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    found
}

/// The grammar wraps every expression in one node per precedence level; these pass through to their only child.
const WRAPPERS: &[&str] = &[
    "pipeline",
    "pipeline_chain",
    "logical_expression",
    "bitwise_expression",
    "comparison_expression",
    "additive_expression",
    "multiplicative_expression",
    "format_expression",
    "range_expression",
    "array_literal_expression",
    "unary_expression",
    "command_name_expr",
];

/// `node` without the precedence wrappers that hold nothing but one child (not `Option::unwrap`).
pub fn strip_wrappers(mut node: Node<'_>) -> Node<'_> {
    while WRAPPERS.contains(&node.kind()) && node.named_child_count() == 1 && node.child_count() == 1 {
        node = node.named_child(0).expect("one named child");
    }
    node
}

/// A variable's name as PowerShell resolves it: without `$`, scope prefix or braces, in lower case (PowerShell
/// variable names ignore case). `None` for environment and other provider variables.
pub fn variable_key(spelling: &str) -> Option<String> {
    let name = spelling.trim_start_matches(['$', '@']).trim_start_matches('{').trim_end_matches('}');
    let name = match name.split_once(':') {
        Some((scope, rest))
            if ["script", "local", "global", "private", "using"].contains(&scope.to_lowercase().as_str()) =>
        {
            rest
        }
        Some(_) => return None,
        None => name,
    };
    Some(name.to_lowercase())
}

/// A variable's name as written, without `$` and scope prefix: what the case rule compares.
pub fn variable_spelling(spelling: &str) -> &str {
    let name = spelling.trim_start_matches(['$', '@']).trim_start_matches('{').trim_end_matches('}');
    name.split_once(':').map_or(name, |(_, rest)| rest)
}

/// One argument of a command: the parameter it is bound to by name, if any, and its value: one element, or several
/// separated by commas (`-Name Domain, Private`), which PowerShell passes as one array.
#[derive(Debug, Clone)]
pub struct Argument<'t> {
    pub parameter: Option<Node<'t>>,
    pub values: Vec<Node<'t>>,
    /// A hashtable splatted into the call (`@start`): its parameters are not known from the text.
    pub splat: bool,
}

/// A command invocation.
#[derive(Debug, Clone)]
pub struct Command<'t> {
    pub node: Node<'t>,
    /// The name as written (`Set-NetFirewallProfile`, `icacls.exe`), or the expression run with `&`/`.`.
    pub name: Node<'t>,
    /// `&` or `.` before the name.
    pub operator: Option<&'static str>,
    pub arguments: Vec<Argument<'t>>,
}

impl<'t> Command<'t> {
    /// The command's name, unless it is computed (`& (Join-Path …)`).
    pub fn literal_name<'s>(&self, script: &'s Parsed<'_>) -> Option<&'s str> {
        let name = strip_wrappers(self.name);
        (name.kind() == "command_name").then(|| script.source(name))
    }

    /// The argument given for `parameter` (matched case-insensitively), as `-Name value` or `-Name:value`.
    pub fn named(&self, script: &Parsed<'_>, parameter: &str) -> Option<&Argument<'t>> {
        self.arguments.iter().find(|argument| {
            argument.parameter.is_some_and(|p| parameter_name(script.source(p)).eq_ignore_ascii_case(parameter))
        })
    }

    /// Whether a hashtable is splatted into the call (`@start`): its parameters are not known from the text.
    pub fn is_splatted(&self) -> bool {
        self.arguments.iter().any(|a| a.splat)
    }

    /// The arguments given by position, in order (a splatted hashtable is none).
    pub fn positional(&self) -> Vec<&Argument<'t>> {
        self.arguments.iter().filter(|a| a.parameter.is_none() && !a.splat).collect()
    }
}

fn is_splat(script: &Parsed<'_>, node: Node<'_>) -> bool {
    let node = strip_wrappers(node);
    node.kind() == "variable" && script.source(node).starts_with('@')
}

/// Whether `name` runs a native program (`icacls.exe`, `reg`) rather than a cmdlet or a function: such a call
/// reports failure only through `$LASTEXITCODE`.
pub fn is_native_program(name: &str) -> bool {
    name.to_lowercase().ends_with(".exe") || name.eq_ignore_ascii_case("reg")
}

/// `-Name:` → `Name`.
pub fn parameter_name(written: &str) -> &str {
    written.trim_start_matches('-').trim_end_matches(':')
}

/// Every command of the script. A `-Parameter` takes the next element (with any comma-separated ones after it) as
/// its value, unless that element is another parameter or `is_switch(command, parameter)` says the parameter is a
/// switch; `-Switch:$value` always takes one.
pub fn commands<'t>(script: &'t Parsed<'_>, is_switch: &dyn Fn(&str, &str) -> bool) -> Vec<Command<'t>> {
    script
        .nodes()
        .into_iter()
        .filter(|n| n.kind() == "command")
        .filter_map(|node| {
            let name = node.child_by_field_name("command_name")?;
            let operator = node
                .child(0)
                .filter(|c| c.kind() == "command_invokation_operator")
                .map(|c| if script.source(c).trim() == "." { "." } else { "&" });
            let command_text = script.source(strip_wrappers(name));
            let mut arguments = Vec::new();
            if let Some(elements) = node.child_by_field_name("command_elements") {
                let mut cursor = elements.walk();
                let elements: Vec<Node> = elements.children(&mut cursor).collect();
                let mut index = 0;
                let skip_separators = |mut i: usize| {
                    while elements.get(i).is_some_and(|e| e.kind() == "command_argument_sep") {
                        i += 1;
                    }
                    i
                };
                while index < elements.len() {
                    let element = elements[index];
                    match element.kind() {
                        "command_argument_sep" | "redirection" | "file_redirection_operator" => index += 1,
                        "command_parameter" => {
                            let written = script.source(element);
                            let colon = written.ends_with(':')
                                || elements.get(index + 1).is_some_and(|s| script.source(*s).trim() == ":");
                            let next = skip_separators(index + 1);
                            let takes_value = colon || !is_switch(command_text, parameter_name(written));
                            let mut values = Vec::new();
                            let mut after = index + 1;
                            if takes_value && elements.get(next).is_some_and(|n| n.kind() != "command_parameter") {
                                (values, after) = value_run(&elements, next);
                            }
                            arguments.push(Argument { parameter: Some(element), values, splat: false });
                            index = after;
                        }
                        _ => {
                            let (values, after) = value_run(&elements, index);
                            let splat = values.len() == 1 && is_splat(script, values[0]);
                            arguments.push(Argument { parameter: None, values, splat });
                            index = after;
                        }
                    }
                }
            }
            Some(Command { node, name, operator, arguments })
        })
        .collect()
}

/// The element at `start` and any joined to it by commas; and the index after them.
fn value_run<'t>(elements: &[Node<'t>], start: usize) -> (Vec<Node<'t>>, usize) {
    let separator = |i: usize| elements.get(i).is_some_and(|e| e.kind() == "command_argument_sep");
    let mut values = vec![elements[start]];
    let mut index = start + 1;
    loop {
        let mut comma = index;
        while separator(comma) {
            comma += 1;
        }
        if elements.get(comma).is_none_or(|e| e.kind() != ",") {
            return (values, index);
        }
        let mut next = comma + 1;
        while separator(next) {
            next += 1;
        }
        let Some(value) = elements.get(next) else { return (values, index) };
        values.push(*value);
        index = next + 1;
    }
}

/// A parameter of a function the scripts define.
#[derive(Debug, Clone)]
pub struct FunctionParameter<'t> {
    pub name: String,
    /// The type written before it (`string[]`, `switch`), lower case.
    pub type_name: Option<String>,
    pub mandatory: bool,
    pub default: Option<Node<'t>>,
}

/// A function the scripts define.
#[derive(Debug, Clone)]
pub struct Function<'t> {
    pub name: String,
    pub node: Node<'t>,
    pub parameters: Vec<FunctionParameter<'t>>,
}

pub fn functions<'t>(script: &'t Parsed<'_>) -> Vec<Function<'t>> {
    script
        .nodes()
        .into_iter()
        .filter(|n| n.kind() == "function_statement")
        .filter_map(|node| {
            let mut cursor = node.walk();
            let name = node.children(&mut cursor).find(|c| c.kind() == "function_name")?;
            let parameters = descendants(node)
                .into_iter()
                .filter(|n| n.kind() == "script_parameter")
                .filter(|p| enclosing_function(*p).is_some_and(|f| f.id() == node.id()))
                .filter_map(|p| function_parameter(script, p))
                .collect();
            Some(Function { name: script.source(name).to_string(), node, parameters })
        })
        .collect()
}

fn function_parameter<'t>(script: &'t Parsed<'_>, node: Node<'t>) -> Option<FunctionParameter<'t>> {
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    let variable = children.iter().find(|c| c.kind() == "variable")?;
    let attributes: String = children
        .iter()
        .filter(|c| c.kind() == "attribute_list")
        .map(|a| script.source(*a).to_lowercase().replace(' ', ""))
        .collect();
    let type_name = children
        .iter()
        .filter(|c| c.kind() == "attribute_list")
        .flat_map(|a| descendants(*a))
        .find(|n| n.kind() == "type_spec")
        .map(|t| script.source(t).to_lowercase());
    let mandatory = attributes.contains("mandatory=$true") || attributes.contains("(mandatory)");
    let default = children
        .iter()
        .find(|c| c.kind() == "script_parameter_default")
        .and_then(|d| d.named_child(u32::try_from(d.named_child_count()).ok()?.checked_sub(1)?));
    Some(FunctionParameter {
        name: variable_spelling(script.source(*variable)).to_string(),
        type_name,
        mandatory,
        default,
    })
}

/// The function whose body holds `node`, if any.
pub fn enclosing_function(node: Node<'_>) -> Option<Node<'_>> {
    let mut current = node.parent();
    while let Some(n) = current {
        if n.kind() == "function_statement" {
            return Some(n);
        }
        current = n.parent();
    }
    None
}
