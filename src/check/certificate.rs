//! Device authentication (SEC-3): the PKCS#12 file opens, is current, and chains to a listed authority.

use super::Context;
use crate::certificate::{Certificate, chains_to, open_pkcs12, read_certificate};
use crate::diagnostic::Diagnostic;
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
            Diagnostic::error("the device certificate's password comes with the certificate and cannot be generated")
                .item("SEC-3")
                .field("certificates.device.password")
                .help("use `{ file = \"…\" }` or `{ env = \"…\" }`"),
        );
        return;
    }
    // Only generated passwords can be absent, and those were refused above.
    let password = Secrets::open(loaded).and_then(|secrets| secrets.peek("certificates.device", &device.password));
    let password = match password {
        Ok(Some(password)) => password,
        Ok(None) => return,
        Err(err) => {
            findings.push(
                Diagnostic::error(format!("the device certificate's password cannot be read: {err}"))
                    .item("SEC-3")
                    .field("certificates.device.password"),
            );
            return;
        }
    };
    let identity = match open_pkcs12(&loaded.resolve(&device.pfx), password.expose()) {
        Ok(identity) => identity,
        Err(err) => {
            findings.push(Diagnostic::error(err.to_string()).item("SEC-3").field("certificates.device.pfx"));
            return;
        }
    };
    let leaf = identity.leaf.parsed();
    let subject = leaf.subject().to_string();
    if let Some(finding) = validity_finding(&leaf, "the device certificate", context) {
        findings.push(finding.field("certificates.device.pfx"));
    }
    if !allows_client_authentication(&leaf) {
        findings.push(
            Diagnostic::error(format!("the device certificate ({subject}) is not for client authentication"))
                .item("SEC-3")
                .field("certificates.device.pfx"),
        );
    }
    if !authorities.is_empty() && !chains_to(&identity.leaf, &identity.others, &authorities) {
        findings.push(
            Diagnostic::error(format!(
                "the device certificate ({subject}) was not issued by any of the listed authorities"
            ))
            .item("SEC-3")
            .field("certificates.device.pfx")
            .help("list the issuing authority's certificate in `certificates.authorities`"),
        );
    }
    if identity.leaf.is_example() {
        findings.push(
            Diagnostic::warning(
                "the device certificate is an example, not one issued by the common certificate authority",
            )
            .item("SEC-3")
            .field("certificates.device.pfx"),
        );
    }
}

fn read_authorities(loaded: &LoadedProfile, context: &Context, findings: &mut Vec<Diagnostic>) -> Vec<Certificate> {
    let paths = &loaded.profile.certificates.authorities;
    if paths.is_empty() {
        findings.push(
            Diagnostic::error("no issuing authority is listed, so the device certificate's chain cannot be installed")
                .item("SEC-3")
                .field("certificates.authorities"),
        );
    }
    let mut authorities = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let field = format!("certificates.authorities[{i}]");
        match read_certificate(&loaded.resolve(path)) {
            Ok(certificate) => {
                let parsed = certificate.parsed();
                if let Some(finding) = validity_finding(&parsed, "the authority certificate", context) {
                    findings.push(finding.field(field.clone()));
                }
                if !parsed.is_ca() {
                    findings.push(
                        Diagnostic::error(format!("`{}` is not a certificate authority's certificate", path.display()))
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

fn validity_finding(certificate: &X509Certificate, what: &str, context: &Context) -> Option<Diagnostic> {
    let validity = certificate.validity();
    let (not_before, not_after) = (validity.not_before.timestamp(), validity.not_after.timestamp());
    let until = validity.not_after.to_datetime().date();
    let finding = if context.now < not_before {
        let from = validity.not_before.to_datetime().date();
        Diagnostic::error(format!("{what} is not valid until {from}"))
    } else if context.now > not_after {
        Diagnostic::error(format!("{what} expired on {until}")).help("ask the issuer for a renewed certificate")
    } else if not_after - context.now < EXPIRY_WARNING_DAYS * DAY {
        let days = (not_after - context.now) / DAY;
        Diagnostic::warning(format!("{what} expires on {until}, in {days} days")).help("start the renewal now")
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
