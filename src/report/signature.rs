//! A report's signature: RSA PKCS#1 v1.5 over SHA-256 of the report file's exact bytes, by the terminal's own key.
//!
//! The terminal makes the key once, non-exportable (in the TPM where it can), and signs as SYSTEM with .NET's
//! `RSA.SignData(bytes, SHA256, Pkcs1)`; the signature is the file next to the report, `<report>.json.sig`, in
//! base64. The report carries the key's self-signed certificate, so that the desk can enrol it from the first report
//! that comes back; a key is known by the SHA-256 of its `RSAPublicKey` (the certificate's subjectPublicKey bits),
//! which .NET gives as `PublicKey.EncodedKeyValue.RawData` and `openssl rsa -RSAPublicKey_out` as DER.

use crate::i18n::Message;
use crate::msg;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use x509_parser::prelude::FromDer;

/// The object identifier of rsaEncryption, the only key the terminal makes.
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

/// The largest signature file read: base64 of an RSA signature of up to 8192 bits is under 1.4 KB.
pub const MAX_SIGNATURE_BYTES: u64 = 64 << 10;

/// A key, as the report and the ledger name it: 64 lowercase hex digits.
pub fn key_id(rsa_public_key: &[u8]) -> String {
    hex::encode(Sha256::digest(rsa_public_key))
}

/// Where the signature of `report` is.
pub fn signature_path(report: &Path) -> PathBuf {
    let mut name = report.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// The key of a certificate (base64 of its DER, as the report carries it): its ID and the `RSAPublicKey` bytes.
pub fn certificate_key(certificate_base64: &str) -> Result<(String, Vec<u8>), Message> {
    let der = base64::engine::general_purpose::STANDARD
        .decode(certificate_base64.trim())
        .map_err(|err| msg!("report.signature.certificate", reason = err))?;
    let (_, certificate) = x509_parser::certificate::X509Certificate::from_der(&der)
        .map_err(|err| msg!("report.signature.certificate", reason = err))?;
    let spki = certificate.public_key();
    if spki.algorithm.algorithm.to_id_string() != RSA_ENCRYPTION {
        return Err(msg!("report.signature.not-rsa", algorithm = spki.algorithm.algorithm.to_id_string()));
    }
    let key = spki.subject_public_key.data.to_vec();
    Ok((key_id(&key), key))
}

/// Checks the signature file's base64 against the report's bytes and the key.
pub fn verify(report: &[u8], signature_file: &[u8], rsa_public_key: &[u8]) -> Result<(), Message> {
    let text = std::str::from_utf8(signature_file).map_err(|_| msg!("report.signature.not-base64"))?;
    let signature = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| msg!("report.signature.not-base64"))?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, rsa_public_key)
        .verify(report, &signature)
        .map_err(|_| msg!("report.signature.mismatch"))
}
