//! Reading certificates: the device's PKCS#12 file and the authorities' certificates (DER or PEM).

use crate::i18n::Message;
use crate::msg;
use p12_keystore::Pkcs12Archive;
use std::path::Path;
use x509_parser::certificate::X509Certificate;
use x509_parser::pem::Pem;
use x509_parser::prelude::FromDer;

/// Subjects of the certificates made for the examples carry this text.
pub const EXAMPLE_MARKER: &str = "TANMATSU-EXAMPLE";

/// A certificate kept as DER; parsed on use, which is cheap, so that nothing borrows across owners.
#[derive(Debug, Clone)]
pub struct Certificate {
    der: Vec<u8>,
}

impl Certificate {
    pub fn from_der(der: Vec<u8>) -> Result<Certificate, Message> {
        X509Certificate::from_der(&der).map_err(|err| msg!("certificate.not-x509", reason = err))?;
        Ok(Certificate { der })
    }

    pub fn parsed(&self) -> X509Certificate<'_> {
        X509Certificate::from_der(&self.der).expect("checked when constructed").1
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Whether `issuer` signed this certificate.
    pub fn is_signed_by(&self, issuer: &Certificate) -> bool {
        let (this, issuer) = (self.parsed(), issuer.parsed());
        this.issuer().as_raw() == issuer.subject().as_raw() && this.verify_signature(Some(issuer.public_key())).is_ok()
    }

    /// Whether this certificate signed itself: a root authority.
    pub fn is_self_signed(&self) -> bool {
        let parsed = self.parsed();
        parsed.subject().as_raw() == parsed.issuer().as_raw() && self.is_signed_by(self)
    }

    pub fn is_example(&self) -> bool {
        self.parsed().subject().to_string().contains(EXAMPLE_MARKER)
    }
}

/// The device's certificate with its private key, and whatever other certificates the file carries.
#[derive(Debug, Clone)]
pub struct DeviceIdentity {
    pub leaf: Certificate,
    pub others: Vec<Certificate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pkcs12Error {
    Unreadable { path: String, reason: String },
    WrongPassword { path: String },
    Malformed { path: String, reason: String },
    NoKey { path: String },
}

impl Pkcs12Error {
    pub fn message(&self) -> Message {
        match self {
            Pkcs12Error::Unreadable { path, reason } => msg!("certificate.unreadable", path = path, reason = reason),
            Pkcs12Error::WrongPassword { path } => msg!("certificate.wrong-password", path = path),
            Pkcs12Error::Malformed { path, reason } => msg!("certificate.malformed", path = path, reason = reason),
            Pkcs12Error::NoKey { path } => msg!("certificate.no-key", path = path),
        }
    }
}

impl std::fmt::Display for Pkcs12Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for Pkcs12Error {}

/// Opens a PKCS#12 file. The leaf is the certificate that belongs to the private key (by local key ID).
pub fn open_pkcs12(path: &Path, password: &str) -> Result<DeviceIdentity, Pkcs12Error> {
    let shown = path.display().to_string();
    let data = std::fs::read(path).map_err(|err| Pkcs12Error::Unreadable {
        path: shown.clone(),
        reason: crate::suggest::file_error(path, &err),
    })?;
    let archive = Pkcs12Archive::from_pkcs12(&data, password).map_err(|err| match err {
        p12_keystore::error::Error::MacError(_) => Pkcs12Error::WrongPassword { path: shown.clone() },
        other => Pkcs12Error::Malformed { path: shown.clone(), reason: other.to_string() },
    })?;
    let key = archive.keys.first().ok_or_else(|| Pkcs12Error::NoKey { path: shown.clone() })?;
    let key_id = key.local_key_id.as_ref().map(|id| id.0.as_slice());
    let mut certificates = Vec::new();
    let mut leaf = None;
    for bag in &archive.certs {
        let certificate = Certificate::from_der(bag.cert.as_der().to_vec())
            .map_err(|reason| Pkcs12Error::Malformed { path: shown.clone(), reason: reason.to_string() })?;
        if leaf.is_none() && key_id.is_some() && bag.local_key_id.as_deref() == key_id {
            leaf = Some(certificate);
        } else {
            certificates.push(certificate);
        }
    }
    // Without key IDs, the certificate that is not an authority is the device's own.
    let leaf = match leaf {
        Some(leaf) => leaf,
        None => {
            let position =
                certificates.iter().position(|c| !c.parsed().is_ca()).ok_or(Pkcs12Error::NoKey { path: shown })?;
            certificates.remove(position)
        }
    };
    Ok(DeviceIdentity { leaf, others: certificates })
}

/// Reads an authority's certificate, DER or PEM.
pub fn read_certificate(path: &Path) -> Result<Certificate, Message> {
    let data = std::fs::read(path).map_err(|err| {
        msg!("certificate.unreadable", path = path.display(), reason = crate::suggest::file_error(path, &err))
    })?;
    let der = if data.starts_with(b"-----BEGIN") {
        let pem = Pem::iter_from_buffer(&data)
            .next()
            .and_then(Result::ok)
            .ok_or_else(|| msg!("certificate.empty-pem", path = path.display()))?;
        pem.contents
    } else {
        data
    };
    Certificate::from_der(der)
        .map_err(|reason| msg!("certificate.not-a-certificate", path = path.display(), reason = reason))
}

/// Whether `leaf` chains to one of `authorities`, through intermediates from `intermediates` where needed.
pub fn chains_to(leaf: &Certificate, intermediates: &[Certificate], authorities: &[Certificate]) -> bool {
    const MAX_DEPTH: usize = 8;
    let mut current = leaf;
    for _ in 0..MAX_DEPTH {
        if authorities.iter().any(|authority| current.is_signed_by(authority)) {
            return true;
        }
        match intermediates.iter().chain(authorities).find(|c| current.is_signed_by(c)) {
            Some(next) if !std::ptr::eq(next, current) => current = next,
            _ => return false,
        }
    }
    false
}
