//! Local accounts (SEC-5): one administrator, standard operators, every password from a source that works.

use crate::diagnostic::Diagnostic;
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
    let secrets = Secrets::open(loaded);
    for (field, account) in all {
        check_name(account, &field, hostname, &mut seen, findings);
        match &secrets {
            Ok(secrets) => check_password(secrets, account, &field, findings),
            Err(err) => findings.push(Diagnostic::error(err.to_string()).item("SEC-5")),
        }
    }
    if accounts.operators.is_empty() {
        findings.push(
            Diagnostic::error(
                "there is no operator account: the work is done by standard users, not the administrator",
            )
            .item("SEC-5")
            .field("accounts.operators")
            .help("add at least one entry to `operators`"),
        );
    }
    let admin_source = &accounts.admin.password;
    if *admin_source != PasswordSource::Generate {
        for (i, operator) in accounts.operators.iter().enumerate() {
            if operator.password == *admin_source {
                findings.push(
                    Diagnostic::error("an operator shares the administrator's password source")
                        .item("SEC-5")
                        .field(format!("accounts.operators[{i}].password"))
                        .help("the privileged account needs a password of its own"),
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
        Some("the account name is empty".to_string())
    } else if name.chars().count() > 20 {
        Some(format!("the account name `{name}` is longer than the 20 characters Windows allows"))
    } else if let Some(bad) = name.chars().find(|c| FORBIDDEN_CHARACTERS.contains(c) || c.is_control()) {
        Some(format!("the account name `{name}` contains `{}`, which Windows does not allow", bad.escape_default()))
    } else if name.chars().all(|c| c == '.' || c == ' ') {
        Some(format!("the account name `{name}` is only dots and spaces"))
    } else if RESERVED_NAMES.contains(&folded.as_str()) {
        Some(format!("`{name}` is a built-in Windows account, which the terminal keeps disabled"))
    } else if folded == hostname.to_lowercase() {
        Some(format!("the account name `{name}` is the computer's name, which Windows Setup refuses"))
    } else if seen.contains(&folded) {
        Some(format!("the account name `{name}` is used twice"))
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
            Diagnostic::warning(format!(
                "the password of `{}` is shorter than {MIN_PASSWORD_LENGTH} characters",
                account.name
            ))
            .item("SEC-5")
            .field(field)
            .help("use `{ generate = true }` for a strong password printed on the password slip"),
        ),
        Ok(_) => {}
        Err(err) => findings.push(
            Diagnostic::error(format!("the password of `{}` cannot be read: {err}", account.name))
                .item("SEC-5")
                .field(field),
        ),
    }
}
