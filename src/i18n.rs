//! Messages in the user's language, Japanese or English, from catalogs that are data (`locales/*.toml`) rather than
//! literals scattered through the code.
//!
//! A message is a key and named arguments ([`Message`]); it becomes text only when shown, in the language chosen
//! once at start-up: `--lang`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`), else the system's UI language
//! (on Windows, where those variables are rarely set). Machine output (`--json`) serialises the key and the
//! arguments, so scripts do not depend on the language.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

/// Each language's catalog: (language, file, text).
pub const CATALOGS: &[(Lang, &str, &str)] = &[
    (Lang::En, "locales/en.toml", include_str!("../locales/en.toml")),
    (Lang::Ja, "locales/ja.toml", include_str!("../locales/ja.toml")),
];

static LANG: OnceLock<Lang> = OnceLock::new();

/// Chooses the language for the rest of the run (the first choice wins).
pub fn set_language(lang: Lang) {
    let _ = LANG.set(lang);
}

pub fn language() -> Lang {
    *LANG.get_or_init(|| detect(None))
}

/// `--lang`, else the POSIX locale variables in their order of precedence, else the system's UI language.
pub fn detect(explicit: Option<&str>) -> Lang {
    let from_environment =
        ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()));
    let chosen = explicit.map(str::to_string).or(from_environment).or_else(sys_locale::get_locale).unwrap_or_default();
    if chosen.to_ascii_lowercase().starts_with("ja") { Lang::Ja } else { Lang::En }
}

/// A language's catalog: key → template.
pub fn catalog(lang: Lang) -> &'static BTreeMap<String, String> {
    static PARSED: OnceLock<Vec<(Lang, BTreeMap<String, String>)>> = OnceLock::new();
    let parsed = PARSED.get_or_init(|| {
        CATALOGS
            .iter()
            .map(|(lang, path, text)| {
                let table: BTreeMap<String, String> =
                    toml::from_str(text).unwrap_or_else(|err| panic!("{path} is checked by the test suite: {err}"));
                (*lang, table)
            })
            .collect()
    });
    &parsed.iter().find(|(l, _)| *l == lang).expect("every language has a catalog").1
}

/// The catalog's text for `key` in `lang`; a key missing from the catalog (which the tests forbid) shows as itself.
pub fn template(lang: Lang, key: &str) -> &str {
    catalog(lang).get(key).map_or(key, String::as_str)
}

/// A message to show: its catalog key and named arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub key: &'static str,
    pub args: BTreeMap<&'static str, String>,
}

impl Message {
    pub fn new(key: &'static str) -> Message {
        Message { key, args: BTreeMap::new() }
    }

    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Message {
        self.args.insert(name, value.to_string());
        self
    }

    /// The text in `lang`: the catalog's template with each `{name}` replaced by its argument.
    pub fn in_language(&self, lang: Lang) -> String {
        let mut text = template(lang, self.key).to_string();
        for (name, value) in &self.args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// This message as an I/O error, for the layers that speak `io::Result`.
    pub fn io_error(self, kind: io::ErrorKind) -> io::Error {
        io::Error::new(kind, self.to_string())
    }

    /// This message as the I/O error of data that breaks its format's rules (a damaged image, a foreign file).
    pub fn invalid_data(self) -> io::Error {
        self.io_error(io::ErrorKind::InvalidData)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.in_language(language()))
    }
}

/// Why an I/O operation failed, in the user's language: every `io::Error` that becomes a message's reason passes
/// through here. The operating system's own text is English on Linux, so the common cases are translated; any
/// other error keeps its text.
pub fn os_error(err: &io::Error) -> String {
    match (err.raw_os_error(), err.kind()) {
        (Some(_), io::ErrorKind::NotFound) => crate::t!("io.not-found"),
        (Some(_), io::ErrorKind::PermissionDenied) => crate::t!("io.permission-denied"),
        _ => err.to_string(),
    }
}

/// `text` padded with spaces to `width` terminal columns, in which a Japanese character takes two.
pub fn padded(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}

/// `msg!("check.hostname.too-long", name = hostname, count = 16)`: a [`Message`].
#[macro_export]
macro_rules! msg {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::Message::new($key)$(.arg(stringify!($name), $value))*
    };
}

/// `t!(…)`: a message's text in the current language.
#[macro_export]
macro_rules! t {
    ($($tokens:tt)*) => {
        $crate::msg!($($tokens)*).to_string()
    };
}
