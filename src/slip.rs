//! `tanmatsu slip`: the password slip (パスワード控え) of a terminal — the passwords tanmatsu generated for its
//! accounts, to print and file under lock (SEC-5: a unique administrator password per terminal without a domain).
//! Passwords that come from the environment or a file are named by their source, never shown.

use crate::i18n::padded;
use crate::profile::{LoadedProfile, PasswordSource};
use crate::secrets::{NewPasswords, SecretError, Secrets};
use crate::{msg, t};
use std::fmt::Write;

/// The slip as text. Generates (and stores) any password not generated yet, so that the slip and the media agree;
/// `policy` says whether it may (a terminal whose media were made before keeps its passwords).
pub fn password_slip(loaded: &LoadedProfile, policy: NewPasswords) -> Result<String, SecretError> {
    let profile = &loaded.profile;
    let mut secrets = Secrets::open(loaded, policy)?;
    let mut out = String::new();
    let _ = writeln!(out, "{}", msg!("slip.title"));
    let (hostname, organisation) = (&profile.terminal.hostname, &profile.organization.name);
    let _ = writeln!(out, "{}", msg!("slip.terminal", hostname = hostname, organisation = organisation));
    let _ = writeln!(out);
    let accounts = std::iter::once((&profile.accounts.admin, msg!("slip.administrator")))
        .chain(profile.accounts.operators.iter().map(|a| (a, msg!("slip.operator"))));
    for (account, role) in accounts {
        let shown = match &account.password {
            PasswordSource::Generate => secrets.password(&account.name, &account.password)?.expose().to_string(),
            PasswordSource::Env(variable) => t!("slip.from-env", variable = variable),
            PasswordSource::File(path) => t!("slip.from-file", path = path.display()),
        };
        let full_name = account.full_name.as_deref().unwrap_or("");
        let (name, full_name, role) = (padded(&account.name, 20), padded(full_name, 24), padded(&role.to_string(), 12));
        let _ = writeln!(out, "  {name} {full_name} {role} {shown}");
    }
    let _ = secrets.save()?;
    if profile.terminal.bitlocker == crate::profile::BitLocker::On {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", msg!("slip.bitlocker", hostname = hostname));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", msg!("slip.keep"));
    Ok(out)
}
