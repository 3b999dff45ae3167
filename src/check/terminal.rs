//! The machine's identity: computer name, Windows edition (SW-1), template set and organisation.

use super::Context;
use crate::diagnostic::Diagnostic;
use crate::i18n::{Message, os_error};
use crate::msg;
use crate::profile::LoadedProfile;
use crate::templates::{Engine, Library};

pub fn check(loaded: &LoadedProfile, context: &Context, findings: &mut Vec<Diagnostic>) {
    let profile = &loaded.profile;
    if let Err(problem) = check_hostname(&profile.terminal.hostname) {
        findings.push(Diagnostic::error(problem).field("terminal.hostname").help(msg!("check.hostname.help")));
    }

    let edition = profile.terminal.windows;
    if !edition.is_pro() {
        findings.push(
            Diagnostic::error(msg!("check.edition", edition = edition.display_name()))
                .item("SW-1")
                .field("terminal.windows")
                .help(msg!("check.edition.help")),
        );
    }
    // Windows 10 22H2 left Microsoft's servicing on 14 October 2025 (Microsoft's lifecycle for Windows 10 Home and
    // Pro): an offline terminal without Extended Security Updates gets no security patch again (SEC-6; answer-file
    // review R8).
    if edition == crate::profile::WindowsEdition::Windows10Pro {
        findings.push(
            Diagnostic::warning(msg!("check.windows-10-unsupported"))
                .item("SEC-6")
                .field("terminal.windows")
                .help(msg!("check.windows-10-unsupported.help")),
        );
    }
    // `windows = "10-pro"` with the image "Windows 11 Pro" would install Windows 11 while every check and the
    // report believe Windows 10 (desk review F8).
    if let Some(named) = windows_version_of(&profile.terminal.image)
        && Some(named) != windows_version_of(edition.display_name())
    {
        findings.push(
            Diagnostic::error(msg!(
                "check.image-version",
                image = &profile.terminal.image,
                windows = edition.display_name()
            ))
            .item("SW-1")
            .field("terminal.image"),
        );
    }
    if let Some(problem) = image_problem(&profile.terminal.image) {
        findings.push(Diagnostic::error(problem).item("SW-1").field("terminal.image").help(msg!("check.image.help")));
    }

    if let Some(media) = &context.windows_media {
        check_windows_media(media, &profile.terminal.image, findings);
    }

    if let Some(key) = &profile.terminal.product_key
        && !is_product_key(key)
    {
        findings.push(Diagnostic::error(msg!("check.product-key")).field("terminal.product_key"));
    }

    if profile.organization.name.trim().is_empty() {
        findings.push(Diagnostic::error(msg!("check.organization-empty")).field("organization.name"));
    }

    let library = Library::for_profile(loaded.base_dir(), context.templates.as_deref());
    if let Err(err) = library.resolve(&profile.template).and_then(|set| Engine::new(&set).map(drop)) {
        findings.push(Diagnostic::error(err.message()).field("template"));
    }
}

/// The Windows version an image or edition name states: `Windows 11 Pro` → 11.
fn windows_version_of(name: &str) -> Option<u32> {
    let name = name.trim();
    name.get(..8).filter(|start| start.eq_ignore_ascii_case("windows "))?;
    name[8..].split_whitespace().next()?.parse().ok()
}

/// The profile's image must be one of the media's, and a Pro one: "Windows 11 Pro" against a Home-only ISO is a
/// classic mistake.
fn check_windows_media(media: &std::path::Path, image: &str, findings: &mut Vec<Diagnostic>) {
    let finding = match crate::windows_media::install_images(media) {
        Err(err) => {
            Some(Diagnostic::error(msg!("check.media.unreadable", path = media.display(), reason = os_error(&err))))
        }
        Ok((path, images)) => match images.iter().find(|i| i.name == image) {
            None => {
                let available: Vec<String> = images.iter().map(|i| format!("`{}` ({})", i.name, i.index)).collect();
                // Setup matches the name exactly: the same name in another case is not found (desk review F8).
                let help = if let Some(same) = images.iter().find(|i| i.name.eq_ignore_ascii_case(image)) {
                    msg!("check.media.image-case", name = &same.name)
                } else if !images.iter().any(|i| i.name.to_ascii_lowercase().split_whitespace().any(|w| w == "pro")) {
                    msg!("check.media.no-pro", images = available.join(", "))
                } else {
                    msg!("check.media.images", images = available.join(", "))
                };
                Some(Diagnostic::error(msg!("check.media.no-image", path = path, image = image)).help(help))
            }
            Some(found) => media_image_problem(found),
        },
    };
    if let Some(finding) = finding {
        findings.push(finding.item("SW-1").field("terminal.image"));
    }
}

/// What in the profile's image does not fit the answer file, as far as the WIM says: an edition other than Pro
/// (SW-1); an architecture other than x64, whose components would all be ignored, leaving Setup fully interactive; a
/// language list without Japanese, where Setup stops at its language pages (answer-file review W4). What the WIM does
/// not say is not guessed.
fn media_image_problem(found: &crate::windows_media::wim::Image) -> Option<Diagnostic> {
    use crate::windows_media::wim::ARCH_AMD64;
    let image = &found.name;
    if let Some(edition) = found.edition.as_deref().filter(|e| *e != "Professional") {
        return Some(Diagnostic::error(msg!("check.media.not-pro", image = image, edition = edition)));
    }
    if let Some(architecture) = found.architecture.filter(|a| *a != ARCH_AMD64) {
        return Some(Diagnostic::error(msg!("check.media.not-x64", image = image, architecture = architecture)));
    }
    let language = crate::windows_media::ANSWER_FILE_LANGUAGE;
    if !found.languages.is_empty() && !found.languages.iter().any(|l| l.eq_ignore_ascii_case(language)) {
        return Some(
            Diagnostic::error(msg!("check.media.not-japanese", image = image, language = language))
                .help(msg!("check.media.languages", languages = found.languages.join(", "))),
        );
    }
    None
}

/// A Windows computer name is a NetBIOS name: at most 15 characters. Letters, digits and hyphens are the subset
/// that is also a valid DNS label, and a name of digits only is rejected by Windows.
fn check_hostname(name: &str) -> Result<(), Message> {
    if name.is_empty() {
        return Err(msg!("check.hostname.empty"));
    }
    if name.chars().count() > 15 {
        return Err(msg!("check.hostname.too-long", name = name, count = name.chars().count()));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
        return Err(msg!("check.hostname.character", name = name, character = bad));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(msg!("check.hostname.hyphen", name = name));
    }
    if name.chars().all(|c| c.is_ascii_digit()) {
        return Err(msg!("check.hostname.digits", name = name));
    }
    Ok(())
}

fn image_problem(image: &str) -> Option<Message> {
    let words: Vec<String> = image.split_whitespace().map(str::to_ascii_lowercase).collect();
    let has = |word: &str| words.iter().any(|w| w == word);
    if ["home", "education", "enterprise", "core"].iter().any(|w| has(w)) || !has("pro") {
        Some(msg!("check.image.not-pro", image = image))
    } else {
        None
    }
}

fn is_product_key(key: &str) -> bool {
    let groups: Vec<&str> = key.split('-').collect();
    groups.len() == 5 && groups.iter().all(|g| g.len() == 5 && g.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames() {
        assert!(check_hostname("CHUKAN-T01").is_ok());
        assert!(check_hostname("ABCDEFGHIJKLMNO").is_ok());
        assert_eq!(check_hostname("ABCDEFGHIJKLMNOP").unwrap_err().key, "check.hostname.too-long");
        assert_eq!(check_hostname("12345").unwrap_err().key, "check.hostname.digits");
        assert_eq!(check_hostname("T_01").unwrap_err().args["character"], "_");
        assert!(check_hostname("端末01").is_err());
        assert!(check_hostname("-T01").is_err());
        assert!(check_hostname("").is_err());
    }

    #[test]
    fn images() {
        assert_eq!(image_problem("Windows 11 Pro"), None);
        assert_eq!(image_problem("Windows 10 Pro N"), None);
        assert!(image_problem("Windows 11 Home").is_some());
        assert!(image_problem("Windows 11 Pro Education").is_some());
        assert!(image_problem("Windows 11 Professional").is_some());
    }

    #[test]
    fn product_keys() {
        assert!(is_product_key("VK7JG-NPHTM-C97JM-9MPGT-3V66T"));
        assert!(!is_product_key("VK7JG-NPHTM-C97JM-9MPGT"));
        assert!(!is_product_key("VK7JG-NPHTM-C97JM-9MPGT-3V66"));
    }
}
