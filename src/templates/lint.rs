//! The template lint: every value a template prints goes through an escaping helper.
//!
//! With no default escape (see [`super::Engine`]), a bare `{{value}}` would print a profile value raw into XML or
//! PowerShell. The lint rejects it, and the triple-stash `{{{value}}}` with it; what remains are comments, block
//! helpers, partials and calls of the escaping helpers.

use crate::i18n::Message;
use crate::msg;

/// Helpers that escape what they print: `xml` for XML, `ps` for one PowerShell value and `ps-list` for an array,
/// `toml` and `toml-list` the same for TOML, `vbs` for one VBScript string.
pub const ESCAPING_HELPERS: &[&str] = &["xml", "ps", "ps-list", "toml", "toml-list", "vbs"];
/// Block helpers the templates may open (`{{#if …}}`); `if` and `unless` are the strict versions.
const BLOCK_HELPERS: &[&str] = &["if", "unless", "each", "with"];

/// The first problem in `text` as (line, message), or `None` when the template is clean.
pub fn lint(text: &str) -> Option<(usize, Message)> {
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("{{") {
        let absolute = offset + start;
        let line = text[..absolute].matches('\n').count() + 1;
        let after = &rest[start + 2..];
        let (inner, consumed) = if let Some(comment) = after.strip_prefix("!--") {
            let end = comment.find("--}}").map_or(after.len(), |e| e + 3 + 4);
            (&after[..end.min(after.len())], end)
        } else {
            let end = after.find("}}").unwrap_or(after.len());
            (&after[..end], end + 2)
        };
        if let Some(problem) = judge(inner) {
            return Some((line, problem));
        }
        let advance = start + 2 + consumed.min(after.len());
        offset += advance;
        rest = &rest[advance..];
    }
    None
}

fn judge(inner: &str) -> Option<Message> {
    let expression = inner.trim_start_matches('~').trim_end_matches('~').trim();
    let tag = format!("{{{{{expression}}}}}");
    if inner.starts_with('{') {
        return Some(msg!("lint.triple-stash", tag = format!("{{{{{inner}}}}}")));
    }
    let first = expression.split_whitespace().next().unwrap_or("");
    match first.chars().next() {
        None => Some(msg!("lint.empty")),
        Some('!') | Some('>') | Some('/') => None,
        Some('#') => {
            let helper = first.trim_start_matches('#');
            if helper == ">" || helper.is_empty() && expression.starts_with("#>") || BLOCK_HELPERS.contains(&helper) {
                None
            } else {
                Some(msg!("lint.unknown-block", tag = tag, helper = helper))
            }
        }
        _ if first == "else" => None,
        _ if ESCAPING_HELPERS.contains(&first) => {
            if expression.split_whitespace().count() == 2 {
                None
            } else {
                Some(msg!("lint.one-value", tag = tag, helper = first))
            }
        }
        _ => Some(msg!(
            "lint.unescaped",
            tag = &tag,
            xml = format!("{{{{xml {first}}}}}"),
            ps = format!("{{{{ps {first}}}}}")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::lint;

    #[test]
    fn accepts_escaped_values_blocks_partials_and_comments() {
        let template = "{{!-- a {{comment}} --}}\n{{#if a}}{{xml a}}{{else}}{{ps b}}{{/if}}\n{{> part}}{{#> component name=\"x\"}}{{> @partial-block}}{{/component}}\n{{#each list}}{{~xml this~}}{{/each}}";
        assert_eq!(lint(template), None);
    }

    #[test]
    fn rejects_bare_and_triple_stash_values_with_their_line() {
        let (line, message) = lint("<a>\n<b>{{terminal.hostname}}</b>").unwrap();
        assert_eq!(line, 2);
        assert_eq!(message.args["xml"], "{{xml terminal.hostname}}");
        assert_eq!(lint("{{{raw}}}").unwrap().0, 1);
        assert_eq!(lint("{{#bogus x}}{{/bogus}}").unwrap().1.key, "lint.unknown-block");
        assert_eq!(lint("{{xml a b}}").unwrap().1.key, "lint.one-value");
    }
}
