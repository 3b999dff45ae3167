//! `tanmatsu slip`: the password slip (パスワード控え) of a terminal — the passwords tanmatsu generated for its
//! accounts, to print and file under lock (SEC-5: a unique administrator password per terminal without a domain).
//! Passwords that come from the environment or a file are named by their source, never shown.

use crate::profile::{LoadedProfile, PasswordSource};
use crate::secrets::{SecretError, Secrets};
use std::fmt::Write;

/// The slip as text. Generates (and stores) any password not generated yet, so that the slip and the media agree.
pub fn password_slip(loaded: &LoadedProfile) -> Result<String, SecretError> {
    let profile = &loaded.profile;
    let mut secrets = Secrets::open(loaded)?;
    let mut out = String::new();
    let _ = writeln!(out, "パスワード控え / password slip");
    let _ = writeln!(
        out,
        "端末 terminal: {}    組織 organisation: {}",
        profile.terminal.hostname, profile.organization.name
    );
    let _ = writeln!(out);
    let accounts = std::iter::once((&profile.accounts.admin, "管理者 administrator"))
        .chain(profile.accounts.operators.iter().map(|a| (a, "操作者 operator")));
    for (account, role) in accounts {
        let shown = match &account.password {
            PasswordSource::Generate => secrets.password(&account.name, &account.password)?.expose().to_string(),
            PasswordSource::Env(variable) => format!("(環境変数 environment variable {variable})"),
            PasswordSource::File(path) => format!("(ファイル file {})", path.display()),
        };
        let full_name = account.full_name.as_deref().unwrap_or("");
        let _ = writeln!(out, "  {:<20} {:<24} {role:<22} {shown}", account.name, full_name);
    }
    secrets.save()?;
    let _ = writeln!(out);
    let _ = writeln!(out, "施錠保管すること。媒体には記録されない。 Keep this slip locked away; it is on no media.");
    Ok(out)
}
