//! The Windows Setup answer file (`autounattend.xml`): what the templates are given, and how the result is checked.

pub mod catalog;
mod semantics;
mod validate;

pub use validate::validate;

use base64::Engine as _;

/// A password as an answer file carries it: base64 of the UTF-16LE bytes of the password followed by the name of
/// the element that holds it (`Password`, or `AdministratorPassword` for the built-in administrator). This hides
/// the password from a glance; it is not encryption, which is why the clean-up step deletes every copy of the
/// answer file from the installed system.
pub fn encode_password(password: &str, element: &str) -> String {
    let utf16: Vec<u8> = format!("{password}{element}").encode_utf16().flat_map(u16::to_le_bytes).collect();
    base64::engine::general_purpose::STANDARD.encode(utf16)
}

#[cfg(test)]
mod tests {
    use super::encode_password;

    #[test]
    fn passwords_are_encoded_as_windows_setup_expects() {
        // Windows System Image Manager writes "UABhAHMAcwB3AG8AcgBkAA==" for an empty LocalAccount password, i.e.
        // the encoding of the element name alone.
        assert_eq!(encode_password("", "Password"), "UABhAHMAcwB3AG8AcgBkAA==");
        let encoded = encode_password("秘密Pa55", "Password");
        let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded).unwrap();
        let units: Vec<u16> = bytes.chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        assert_eq!(String::from_utf16(&units).unwrap(), "秘密Pa55Password");
    }
}
