//! Messages live in the catalogs, complete in both languages, and nowhere else.

mod common;

use common::repo;
use proc_macro2::{TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;
use tanmatsu::i18n::{CATALOGS, Lang, catalog};

fn is_japanese(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}' | '\u{ff01}'..='\u{ff60}')
}

fn placeholders(template: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find('}') else { break };
        let name = &rest[..close];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            names.insert(name.to_string());
        }
        rest = &rest[close + 1..];
    }
    names
}

#[test]
fn both_catalogs_have_the_same_keys_and_the_same_placeholders() {
    let english = catalog(Lang::En);
    let japanese = catalog(Lang::Ja);
    let only_english: Vec<_> = english.keys().filter(|k| !japanese.contains_key(*k)).collect();
    let only_japanese: Vec<_> = japanese.keys().filter(|k| !english.contains_key(*k)).collect();
    assert!(only_english.is_empty(), "keys missing from locales/ja.toml: {only_english:?}");
    assert!(only_japanese.is_empty(), "keys missing from locales/en.toml: {only_japanese:?}");
    for (key, text) in english {
        assert_eq!(placeholders(text), placeholders(&japanese[key]), "`{key}` has different placeholders");
    }
}

#[test]
fn the_japanese_catalog_is_japanese() {
    let untranslated: Vec<_> = catalog(Lang::Ja)
        .iter()
        .filter(|(_, text)| !text.chars().any(is_japanese))
        .filter(|(_, text)| without_placeholders(text).split(|c: char| !c.is_ascii_alphabetic()).any(is_english_word))
        .map(|(key, _)| key)
        .collect();
    assert!(untranslated.is_empty(), "the same English text in both catalogs: {untranslated:?}");
}

#[test]
fn the_catalog_files_parse_as_flat_string_tables() {
    for (_, path, text) in CATALOGS {
        let table: toml::Table = toml::from_str(text).unwrap_or_else(|err| panic!("{path}: {err}"));
        for (key, value) in table {
            assert!(value.is_str(), "{path}: `{key}` is not a string");
        }
    }
}

/// Every `.rs` file under `src/`.
fn sources() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&repo().join("src"), &mut found);
    found.sort();
    found
}

/// Where a string literal sits in the source, and what it was.
#[derive(Debug)]
struct Literal {
    file: String,
    line: usize,
    text: String,
}

/// Collects the keys given to `msg!`/`t!`, and the string literals that read like English prose outside them.
#[derive(Default)]
struct Scan {
    file: String,
    keys: Vec<Literal>,
    prose: Vec<Literal>,
}

/// Calls whose text is for developers, not users: broken invariants, and the test suite.
const DEVELOPER_FACING: &[&str] =
    &["expect", "panic", "unreachable", "assert", "assert_eq", "assert_ne", "debug_assert", "debug_assert_eq", "todo"];

/// Catalog keys the code builds rather than names: clap's help, `help` and `help.*`, one key per command and option
/// (the unit test in `cli` checks those both ways).
fn is_generated_key(key: &str) -> bool {
    key.split('.').next() == Some("help")
}

/// Methods whose text argument is compared with other text.
const MATCHING: &[&str] =
    &["strip_prefix", "strip_suffix", "starts_with", "ends_with", "contains", "eq_ignore_ascii_case"];

/// Macros that print for the user.
const PRINTING: &[&str] = &["println", "eprintln", "print", "eprint", "write", "writeln"];

/// Text in the code that reads like English but is not a message: (file, how it starts, why).
const NOT_MESSAGES: &[(&str, &str, &str)] = &[
    ("src/build.rs", "gpt ", "a domain separator for deriving GUIDs from the inputs"),
    ("src/check/software.rs", "internet explorer", "a product name, matched in the software list"),
    ("src/cli/media.rs", "{}\n[[media.approved]]", "TOML for the user to paste into the profile"),
    ("src/init.rs", "○○", "a placeholder organisation name, written into a new profile for the user to replace"),
    ("src/render.rs", "tanmatsu", "written onto the media for Windows, in its own fixed form"),
    ("src/render.rs", "powershell.exe ", "the first-logon command, PowerShell code"),
];

fn without_placeholders(text: &str) -> String {
    let mut kept = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ if depth == 0 => kept.push(c),
            _ => {}
        }
    }
    kept
}

fn is_english_word(word: &str) -> bool {
    word.len() >= 2 && word.chars().all(|c| c.is_ascii_lowercase() || c == '\'')
}

/// Japanese, or two lower-case English words in a row not counting `{placeholders}`: a sentence, or part of one.
fn reads_like_prose(text: &str) -> bool {
    if text.chars().any(is_japanese) {
        return true;
    }
    without_placeholders(text).split(['\n', '.', ',', ';', ':', '(', ')']).any(|phrase| {
        let words: Vec<&str> = phrase.split(' ').collect();
        words.windows(2).any(|pair| is_english_word(pair[0]) && is_english_word(pair[1]))
    })
}

impl Scan {
    /// A macro's arguments, which syn leaves as tokens: literals, except those inside `expect(…)` or `panic!(…)`.
    fn tokens(&mut self, tokens: TokenStream) {
        let mut previous_name = String::new();
        for tree in tokens {
            match tree {
                TokenTree::Group(group) => match previous_name.as_str() {
                    "msg" | "t" => self.key(group.stream()),
                    name if DEVELOPER_FACING.contains(&name) => {}
                    _ => self.tokens(group.stream()),
                },
                TokenTree::Literal(literal) => {
                    if let Ok(syn::Lit::Str(string)) = syn::parse_str::<syn::Lit>(&literal.to_string()) {
                        self.note_literal(&string, literal.span().start().line);
                    }
                }
                TokenTree::Ident(ident) => previous_name = ident.to_string(),
                TokenTree::Punct(punct) if punct.as_char() == '!' => {}
                TokenTree::Punct(_) => previous_name.clear(),
            }
        }
    }

    /// The key of a `msg!`/`t!`: its first token.
    fn key(&mut self, tokens: TokenStream) {
        if let Some(TokenTree::Literal(key)) = tokens.into_iter().next() {
            let line = key.span().start().line;
            let text = syn::parse_str::<syn::LitStr>(&key.to_string()).expect("a message key is a string").value();
            self.keys.push(Literal { file: self.file.clone(), line, text });
        }
    }

    /// What a print macro writes for the user is a layout of messages: any word in it should be in a catalog.
    fn format_string(&mut self, mac: &syn::Macro) {
        let format = mac.tokens.clone().into_iter().find_map(|tree| match tree {
            TokenTree::Literal(literal) => syn::parse_str::<syn::LitStr>(&literal.to_string())
                .ok()
                .map(|string| (string.value(), literal.span().start().line)),
            _ => None,
        });
        let Some((text, line)) = format else { return };
        let has_words = without_placeholders(&text).split(|c: char| !c.is_ascii_alphabetic()).any(|w| w.len() >= 2);
        if has_words && !reads_like_prose(&text) && !self.allowed(&text) {
            self.prose.push(Literal { file: self.file.clone(), line, text });
        }
    }

    fn allowed(&self, text: &str) -> bool {
        NOT_MESSAGES.iter().any(|(file, start, _)| *file == self.file && text.starts_with(start))
    }

    fn note_literal(&mut self, literal: &syn::LitStr, line: usize) {
        let text = literal.value();
        if reads_like_prose(&text) && !self.allowed(&text) {
            self.prose.push(Literal { file: self.file.clone(), line, text });
        }
    }
}

impl<'ast> Visit<'ast> for Scan {
    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        let is_tests = module.attrs.iter().any(|attribute| match &attribute.meta {
            syn::Meta::List(list) => list.path.is_ident("cfg") && list.tokens.to_string() == "test",
            _ => false,
        });
        if !is_tests {
            syn::visit::visit_item_mod(self, module);
        }
    }

    fn visit_attribute(&mut self, attribute: &'ast syn::Attribute) {
        // Doc comments are for developers, and clap's help is checked through the command tree; but an error
        // type's `#[error("…")]` is what the user reads.
        if let syn::Meta::List(list) = &attribute.meta
            && list.path.is_ident("error")
        {
            self.tokens(list.tokens.clone());
        }
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let method = call.method.to_string();
        if DEVELOPER_FACING.contains(&method.as_str()) {
            return;
        }
        if MATCHING.contains(&method.as_str()) {
            // Text compared with other text (a parser's wording, a product name) is never shown.
            return self.visit_expr(&call.receiver);
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_pat(&mut self, pattern: &'ast syn::Pat) {
        // A literal in a pattern is compared with, never shown.
        if !matches!(pattern, syn::Pat::Lit(_)) {
            syn::visit::visit_pat(self, pattern);
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let name = mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        match name.as_str() {
            "msg" | "t" => self.key(mac.tokens.clone()),
            name if DEVELOPER_FACING.contains(&name) => {}
            name if PRINTING.contains(&name) => {
                self.format_string(mac);
                self.tokens(mac.tokens.clone());
            }
            _ => self.tokens(mac.tokens.clone()),
        }
    }

    fn visit_lit_str(&mut self, literal: &'ast syn::LitStr) {
        self.note_literal(literal, literal.span().start().line);
    }
}

fn scan() -> Scan {
    let mut scan = Scan::default();
    for path in sources() {
        let text = std::fs::read_to_string(&path).unwrap();
        let file = syn::parse_file(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        scan.file = path.strip_prefix(repo()).unwrap().display().to_string();
        scan.visit_file(&file);
    }
    scan
}

#[test]
fn every_message_key_in_the_code_is_in_the_catalogs() {
    let english = catalog(Lang::En);
    let missing: Vec<_> = scan().keys.into_iter().filter(|k| !english.contains_key(&k.text)).collect();
    assert!(missing.is_empty(), "keys used in the code but not in locales/: {missing:#?}");
}

#[test]
fn every_catalog_key_is_used() {
    let used: BTreeSet<String> = scan().keys.into_iter().map(|k| k.text).collect();
    let unused: Vec<_> = catalog(Lang::En).keys().filter(|k| !used.contains(*k) && !is_generated_key(k)).collect();
    assert!(unused.is_empty(), "keys in locales/ that no code uses: {unused:?}");
}

#[test]
fn the_lint_knows_a_message_when_it_sees_one() {
    for message in ["cannot read the file", "`{path}` is not a path on the volume", "パスワード控え", "(built in)"]
    {
        assert!(reads_like_prose(message), "{message}");
    }
    for not_message in ["{path}: {reason}", "ID", "{}@{}", "USB\\VID_{}&PID_{}", "--wim-split-size", "Get-PSDrive"] {
        assert!(!reads_like_prose(not_message), "{not_message}");
    }
}

#[test]
fn no_user_facing_prose_outside_the_catalogs() {
    let prose = scan().prose;
    let listing: BTreeMap<String, &str> =
        prose.iter().map(|l| (format!("{}:{}", l.file, l.line), l.text.as_str())).collect();
    assert!(prose.is_empty(), "English text in the code; move it to locales/*.toml and use msg!/t!: {listing:#?}");
}

/// The code spans of a Markdown table cell: `` `x` `` and ``` `` x `` ```.
fn code_spans(cell: &str) -> Vec<&str> {
    let fence = if cell.contains("``") { "``" } else { "`" };
    cell.split(fence).skip(1).step_by(2).collect()
}

/// The guide's table of common errors quotes what tanmatsu prints in Japanese (`…` standing for the details), so
/// that a reworded message cannot leave the guide describing text that no longer appears.
#[test]
fn the_guides_error_table_quotes_real_messages() {
    let guide = std::fs::read_to_string(repo().join("docs/guide.ja.md")).unwrap();
    let table = &guide[guide.find("## 8.").expect("the guide has its section of common errors")..];
    let japanese = catalog(Lang::Ja);
    let mut quoted = 0;
    for row in table.lines().filter(|line| line.starts_with("| `")) {
        let shown = row.split(" | ").next().unwrap();
        for span in code_spans(shown) {
            for piece in span.split('…').map(|p| p.trim().trim_matches('`').trim()).filter(|p| p.chars().count() >= 2)
            {
                quoted += 1;
                assert!(
                    japanese.values().any(|text| text.contains(piece)),
                    "docs/guide.ja.md quotes `{piece}`, which no message says"
                );
            }
        }
    }
    assert!(quoted >= 20, "the table was found and read ({quoted} quotations)");
}
