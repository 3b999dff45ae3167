//! Local accounts (SEC-5): one administrator, standard operators, every password from a source that works.

use crate::diagnostic::Diagnostic;
use crate::msg;
use crate::profile::{Account, LoadedProfile, PasswordSource};
use crate::secrets::Secrets;

/// Names Windows itself uses for built-in accounts; the hardening step disables those by SID.
const RESERVED_NAMES: &[&str] = &["administrator", "guest", "defaultaccount", "wdagutilityaccount", "system"];
const FORBIDDEN_CHARACTERS: &[char] =
    &['"', '/', '\\', '[', ']', ':', ';', '|', '=', ',', '+', '*', '?', '<', '>', '@'];
/// Shorter passwords are accepted by Windows but are weak for an account that can reach resident data.
const MIN_PASSWORD_LENGTH: usize = 12;

pub fn check(loaded: &LoadedProfile, findings: &mut Vec<Diagnostic>) {
    let accounts = &loaded.profile.accounts;
    let hostname = &loaded.profile.terminal.hostname;
    let all = std::iter::once(("accounts.admin".to_string(), &accounts.admin))
        .chain(accounts.operators.iter().enumerate().map(|(i, a)| (format!("accounts.operators[{i}]"), a)));
    let mut seen: Vec<String> = Vec::new();
    let secrets = Secrets::open(loaded, Default::default());
    for (field, account) in all {
        check_name(account, &field, hostname, &mut seen, findings);
        match &secrets {
            Ok(secrets) => check_password(secrets, account, &field, findings),
            Err(err) => findings.push(Diagnostic::error(err.message()).item("SEC-5")),
        }
    }
    if accounts.operators.is_empty() {
        findings.push(
            Diagnostic::error(msg!("check.accounts.no-operator"))
                .item("SEC-5")
                .field("accounts.operators")
                .help(msg!("check.accounts.no-operator.help")),
        );
    }
    let admin_source = &accounts.admin.password;
    if *admin_source != PasswordSource::Generate {
        for (i, operator) in accounts.operators.iter().enumerate() {
            if operator.password == *admin_source {
                findings.push(
                    Diagnostic::error(msg!("check.accounts.shared-password"))
                        .item("SEC-5")
                        .field(format!("accounts.operators[{i}].password"))
                        .help(msg!("check.accounts.shared-password.help")),
                );
            }
        }
    }
}

fn check_name(account: &Account, field: &str, hostname: &str, seen: &mut Vec<String>, findings: &mut Vec<Diagnostic>) {
    let name = &account.name;
    let field = format!("{field}.name");
    let folded = name.to_lowercase();
    let problem = if name.trim().is_empty() {
        Some(msg!("check.accounts.name-empty"))
    } else if name.chars().count() > 20 {
        Some(msg!("check.accounts.name-too-long", name = name))
    } else if let Some(bad) = name.chars().find(|c| FORBIDDEN_CHARACTERS.contains(c) || c.is_control()) {
        Some(msg!("check.accounts.name-character", name = name, character = bad.escape_default()))
    } else if name.chars().all(|c| c == '.' || c == ' ') {
        Some(msg!("check.accounts.name-dots", name = name))
    } else if RESERVED_NAMES.contains(&folded.as_str()) {
        Some(msg!("check.accounts.name-builtin", name = name))
    } else if folded == hostname.to_lowercase() {
        Some(msg!("check.accounts.name-hostname", name = name))
    } else if seen.contains(&folded) {
        Some(msg!("check.accounts.name-twice", name = name))
    } else {
        None
    };
    seen.push(folded);
    if let Some(problem) = problem {
        findings.push(Diagnostic::error(problem).item("SEC-5").field(field));
    }
}

fn check_password(secrets: &Secrets, account: &Account, field: &str, findings: &mut Vec<Diagnostic>) {
    let field = format!("{field}.password");
    match secrets.peek(&account.name, &account.password) {
        Ok(Some(secret)) if secret.expose().chars().count() < MIN_PASSWORD_LENGTH => findings.push(
            Diagnostic::warning(msg!(
                "check.accounts.short-password",
                name = &account.name,
                length = MIN_PASSWORD_LENGTH
            ))
            .item("SEC-5")
            .field(field)
            .help(msg!("check.accounts.short-password.help")),
        ),
        Ok(_) => {}
        Err(err) => findings.push(
            Diagnostic::error(msg!("check.accounts.unreadable-password", name = &account.name, reason = err.message()))
                .item("SEC-5")
                .field(field),
        ),
    }
}
