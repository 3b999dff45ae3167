//! Escapers, one per output language. Every profile value that enters a generated file passes through the one for
//! that file's context; the template engine has no default escape (handlebars' default is HTML's, which is wrong for
//! both XML and PowerShell).

/// Text for an XML element or a double- or single-quoted attribute.
///
/// Characters that XML 1.0 cannot carry at all (most C0 controls) cannot be escaped either; they are refused
/// upstream, by the profile checks, and replaced here by U+FFFD so that the output stays well-formed whatever comes.
/// Line breaks and tabs become character references, so that attribute normalisation cannot turn them into spaces.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            '\t' => out.push_str("&#x9;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// XML 1.0's `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// `xml` with every character beyond ASCII written as a character reference (`&#x7AEF;`), for a document that must
/// mean the same whatever a reader takes its encoding for: Windows Setup's reading of raw UTF-8 in an answer file is
/// a risk the answer-file review raises (R7), and references leave nothing to guess. Run it over a whole rendered
/// document: the markup is ASCII, and only text and attribute values can hold anything else.
pub fn non_ascii_as_references(document: &str) -> String {
    let mut out = String::with_capacity(document.len());
    for c in document.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("&#x{:X};", u32::from(c)));
        }
    }
    out
}

/// A PowerShell single-quoted string literal holding `text` exactly.
///
/// Inside single quotes PowerShell expands nothing (`$`, backticks and `$(…)` are plain text); the only special
/// character is the quote itself, written twice. PowerShell also takes the typographic quotes U+2018–U+201B as
/// single quotes, so each of those is doubled too. Newlines are literal inside such a string.
pub fn powershell(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A VBScript string literal (`"…"`) holding `text` exactly: the quote written twice, and every control character
/// (which a literal cannot hold) and every character beyond ASCII joined in as `ChrW(n)`, as [`vbscript_ascii`]
/// does for a whole script.
pub fn vbscript(text: &str) -> String {
    let mut literal = String::with_capacity(text.len() + 2);
    literal.push('"');
    for c in text.chars() {
        match c {
            '"' => literal.push_str("\"\""),
            c if c.is_control() => literal.push_str(&format!("\" & ChrW({}) & \"", u32::from(c))),
            c => literal.push(c),
        }
    }
    literal.push('"');
    vbscript_ascii(&literal)
}

/// A VBScript program with every character beyond ASCII in its string literals written as `ChrW(&H…)`, UTF-16
/// surrogates for those beyond the BMP: Windows Script Host reads a script file in the system code page (Wine's
/// reads nothing else), so an ASCII file means the same on every Windows. Outside string literals (in comments and
/// code) such a character is left as it is; the templates keep those parts ASCII.
pub fn vbscript_ascii(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    let (mut in_string, mut in_comment) = (false, false);
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                (in_string, in_comment) = (false, false);
                out.push(c);
            }
            '"' if !in_comment => {
                in_string = !in_string;
                out.push(c);
            }
            '\'' if !in_string => {
                in_comment = true;
                out.push(c);
            }
            c if in_string && !c.is_ascii() => {
                out.push('"');
                let mut current = c;
                loop {
                    for unit in current.encode_utf16(&mut [0; 2]) {
                        out.push_str(&format!(" & ChrW(&H{unit:X})"));
                    }
                    match chars.next_if(|n| !n.is_ascii()) {
                        Some(next) => current = next,
                        None => break,
                    }
                }
                out.push_str(" & \"");
            }
            c => out.push(c),
        }
    }
    out
}

/// A TOML basic string (`"…"`) holding `text` exactly: the quote, the backslash and every control character that
/// TOML 1.0 does not allow as it is (all but the tab) are escaped.
pub fn toml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push('\t'),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A cell of a CSV file that people open in Excel: text that Excel would take for a formula (`=`, `+`, `-`, `@`, a
/// tab or a carriage return first) is kept as text by a leading apostrophe. Quoting is the CSV writer's job.
pub fn csv_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() }
}

/// Text from a report or a stick for the console: a control character (an escape sequence could rewrite what the
/// terminal shows) becomes U+FFFD; line ends stay.
pub fn console(text: &str) -> String {
    text.chars().map(|c| if c.is_control() && c != '\n' { '\u{FFFD}' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_text_keeps_lines_and_drops_escape_sequences() {
        assert_eq!(console("a\nb\u{1b}[2K\rc"), "a\nb\u{FFFD}[2K\u{FFFD}c");
        assert_eq!(console("端末 CHUKAN-T01"), "端末 CHUKAN-T01");
    }

    #[test]
    fn xml_escapes_markup_and_keeps_japanese() {
        assert_eq!(xml(r#"a & <b> "c" 'd' ]]>"#), "a &amp; &lt;b&gt; &quot;c&quot; &apos;d&apos; ]]&gt;");
        assert_eq!(xml("健康保険組合"), "健康保険組合");
        assert_eq!(xml("line1\nline2"), "line1&#xA;line2");
        assert_eq!(xml("bell\u{7}"), "bell\u{FFFD}");
    }

    #[test]
    fn non_ascii_text_becomes_references_that_an_xml_parser_reads_back() {
        let document = format!("<a b=\"{}\">{}</a>", xml("端末 \"1\""), xml("健康保険組合 & 𠮷"));
        let ascii = non_ascii_as_references(&document);
        assert!(ascii.is_ascii(), "{ascii}");
        let mut reader = quick_xml::reader::Reader::from_str(&ascii);
        let (mut attribute, mut text) = (String::new(), String::new());
        loop {
            match reader.read_event().unwrap() {
                quick_xml::events::Event::Start(start) => {
                    let b = start.attributes().next().unwrap().unwrap();
                    attribute = b.normalized_value(quick_xml::XmlVersion::Explicit1_0).unwrap().into_owned();
                }
                quick_xml::events::Event::Text(t) => text.push_str(&t.xml_content(quick_xml::XmlVersion::Explicit1_0)),
                // quick-xml hands each reference in text on as an event of its own.
                quick_xml::events::Event::GeneralRef(reference) => match reference.resolve_char_ref().unwrap() {
                    Some(c) => text.push(c),
                    None if &*reference == "amp" => text.push('&'),
                    None => panic!("an unexpected entity"),
                },
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(attribute, "端末 \"1\"");
        assert_eq!(text, "健康保険組合 & 𠮷");
    }

    #[test]
    fn vbscript_literals_are_ascii_and_keep_quotes_and_controls() {
        assert_eq!(vbscript(r#"say "hi""#), r#""say ""hi""""#);
        assert_eq!(vbscript("a\nb"), r#""a" & ChrW(10) & "b""#);
        assert_eq!(vbscript("端末"), r#""" & ChrW(&H7AEF) & ChrW(&H672B) & """#);
        assert_eq!(vbscript("𠮷"), r#""" & ChrW(&HD842) & ChrW(&HDFB7) & """#);
    }

    #[test]
    fn vbscript_documents_change_only_their_string_literals() {
        let script = "' コメント \"x\"\nx = \"端末 'a'\" ' 注\ny = \"\"\"端\"\"\"\n";
        assert_eq!(
            vbscript_ascii(script),
            "' コメント \"x\"\nx = \"\" & ChrW(&H7AEF) & ChrW(&H672B) & \" 'a'\" ' 注\ny = \"\"\"\" & ChrW(&H7AEF) & \"\"\"\"\n"
        );
    }

    #[test]
    fn toml_strings_hold_any_text() {
        for text in [
            "plain",
            "C:\\dir\\file",
            "quote \" and 'single'",
            "line\nbreak\r\ttab",
            "bell\u{7} del\u{7F}",
            "健康保険組合",
        ] {
            let document = format!("value = {}", toml(text));
            let parsed: toml::Table = document.parse().unwrap_or_else(|e| panic!("{document}: {e}"));
            assert_eq!(parsed["value"].as_str(), Some(text), "{document}");
        }
    }

    #[test]
    fn csv_cells_never_become_formulas() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("-1+1"), "'-1+1");
        assert_eq!(csv_cell("SanDisk Ultra"), "SanDisk Ultra");
    }

    #[test]
    fn powershell_doubles_every_kind_of_single_quote() {
        assert_eq!(powershell("it's"), "'it''s'");
        assert_eq!(powershell("$(Remove-Item C:\\) `n"), "'$(Remove-Item C:\\) `n'");
        assert_eq!(
            powershell("\u{2019}; Stop-Computer; \u{2018}"),
            "'\u{2019}\u{2019}; Stop-Computer; \u{2018}\u{2018}'"
        );
        assert_eq!(powershell(""), "''");
    }
}
