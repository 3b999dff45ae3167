//! Device authentication (SEC-3): the PKCS#12 file opens, is current, and chains to a listed authority.

use super::Context;
use crate::certificate::{Certificate, chains_to, open_pkcs12, read_certificate};
use crate::diagnostic::Diagnostic;
use crate::i18n::Message;
use crate::msg;
use crate::profile::{LoadedProfile, PasswordSource};
use crate::secrets::Secrets;
use x509_parser::certificate::X509Certificate;

/// How long before expiry a certificate is worth a warning: the renewal takes weeks.
const EXPIRY_WARNING_DAYS: i64 = 60;
const DAY: i64 = 24 * 60 * 60;

pub fn check(loaded: &LoadedProfile, context: &Context, findings: &mut Vec<Diagnostic>) {
    let authorities = read_authorities(loaded, context, findings);
    let device = &loaded.profile.certificates.device;
    if device.password == PasswordSource::Generate {
        findings.push(
            Diagnostic::error(msg!("check.certificate.generated-password"))
                .item("SEC-3")
                .field("certificates.device.password")
                .help(msg!("check.certificate.generated-password.help")),
        );
        return;
    }
    // Only generated passwords can be absent, and those were refused above.
    let password = Secrets::open(loaded, Default::default())
        .and_then(|secrets| secrets.peek("certificates.device", &device.password));
    let password = match password {
        Ok(Some(password)) => password,
        Ok(None) => return,
        Err(err) => {
            findings.push(
                Diagnostic::error(msg!("check.certificate.unreadable-password", reason = err.message()))
                    .item("SEC-3")
                    .field("certificates.device.password"),
            );
            return;
        }
    };
    let identity = match open_pkcs12(&loaded.resolve(&device.pfx), password.expose()) {
        Ok(identity) => identity,
        Err(err) => {
            findings.push(Diagnostic::error(err.message()).item("SEC-3").field("certificates.device.pfx"));
            return;
        }
    };
    let leaf = identity.leaf.parsed();
    let subject = leaf.subject().to_string();
    if let Some(finding) = validity_finding(&leaf, msg!("check.certificate.device"), context) {
        findings.push(finding.field("certificates.device.pfx"));
    }
    if !allows_client_authentication(&leaf) {
        findings.push(
            Diagnostic::error(msg!("check.certificate.not-client", subject = &subject))
                .item("SEC-3")
                .field("certificates.device.pfx"),
        );
    }
    if !authorities.is_empty() && !chains_to(&identity.leaf, &identity.others, &authorities) {
        findings.push(
            Diagnostic::error(msg!("check.certificate.not-chained", subject = &subject))
                .item("SEC-3")
                .field("certificates.device.pfx")
                .help(msg!("check.certificate.not-chained.help")),
        );
    }
    if identity.leaf.is_example() {
        findings.push(
            Diagnostic::warning(msg!("check.certificate.example")).item("SEC-3").field("certificates.device.pfx"),
        );
    }
}

fn read_authorities(loaded: &LoadedProfile, context: &Context, findings: &mut Vec<Diagnostic>) -> Vec<Certificate> {
    let paths = &loaded.profile.certificates.authorities;
    if paths.is_empty() {
        findings.push(
            Diagnostic::error(msg!("check.certificate.no-authority")).item("SEC-3").field("certificates.authorities"),
        );
    }
    let mut authorities = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let field = format!("certificates.authorities[{i}]");
        match read_certificate(&loaded.resolve(path)) {
            Ok(certificate) => {
                let parsed = certificate.parsed();
                if let Some(finding) = validity_finding(&parsed, msg!("check.certificate.authority"), context) {
                    findings.push(finding.field(field.clone()));
                }
                if !parsed.is_ca() {
                    findings.push(
                        Diagnostic::error(msg!("check.certificate.not-ca", path = path.display()))
                            .item("SEC-3")
                            .field(field),
                    );
                }
                drop(parsed);
                authorities.push(certificate);
            }
            Err(problem) => findings.push(Diagnostic::error(problem).item("SEC-3").field(field)),
        }
    }
    authorities
}

fn validity_finding(certificate: &X509Certificate, what: Message, context: &Context) -> Option<Diagnostic> {
    let validity = certificate.validity();
    let (not_before, not_after) = (validity.not_before.timestamp(), validity.not_after.timestamp());
    let until = validity.not_after.to_datetime().date();
    let finding = if context.now < not_before {
        let from = validity.not_before.to_datetime().date();
        Diagnostic::error(msg!("check.certificate.not-yet-valid", what = what, from = from))
    } else if context.now > not_after {
        Diagnostic::error(msg!("check.certificate.expired", what = what, until = until))
            .help(msg!("check.certificate.expired.help"))
    } else if not_after - context.now < EXPIRY_WARNING_DAYS * DAY {
        let days = (not_after - context.now) / DAY;
        Diagnostic::warning(msg!("check.certificate.expiring", what = what, until = until, days = days))
            .help(msg!("check.certificate.expiring.help"))
    } else {
        return None;
    };
    Some(finding.item("SEC-3"))
}

/// A certificate without the extended-key-usage extension may be used for anything; with it, it must name client
/// authentication, or the server will refuse the TLS handshake.
fn allows_client_authentication(certificate: &X509Certificate) -> bool {
    match certificate.extended_key_usage() {
        Ok(Some(usage)) => usage.value.client_auth || usage.value.any,
        Ok(None) => true,
        Err(_) => false,
    }
}
