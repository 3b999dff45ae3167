//! "Did you mean …?" for misspelt keys and words.

/// The candidate nearest to `word`, if it is near enough to be a plausible misspelling.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(&word, &candidate.to_ascii_lowercase()), candidate))
        .filter(|&(distance, candidate)| distance <= (candidate.chars().count() / 3).max(1))
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// Why a file named by the profile could not be read: the system's reason, and "did you mean" when it is missing and
/// a file of a close name is beside it (desk review F13: a case difference, or a download's full name).
pub fn file_error(path: &std::path::Path, err: &std::io::Error) -> String {
    let reason = crate::i18n::os_error(err);
    match nearby_file(path).filter(|_| err.kind() == std::io::ErrorKind::NotFound) {
        Some(name) => crate::t!("suggest.file", reason = reason, name = name),
        None => reason,
    }
}

/// The file beside `path` whose name is the same but for case, a plausible misspelling, or one that keeps the start
/// and the end of the name (a shortened copy of a long download name); only when exactly one fits.
pub(crate) fn nearby_file(path: &std::path::Path) -> Option<String> {
    let wanted = path.file_name()?.to_str()?;
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let names: Vec<String> = std::fs::read_dir(folder)
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    if let Some(same) = names.iter().find(|name| name.eq_ignore_ascii_case(wanted)) {
        return Some(same.clone());
    }
    if let Some(near) = did_you_mean(wanted, names.iter().map(String::as_str)) {
        return Some(near.to_string());
    }
    let wanted = wanted.to_ascii_lowercase();
    let common = |a: &str, b: &str, reversed: bool| -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let pairs: Box<dyn Iterator<Item = (&char, &char)>> =
            if reversed { Box::new(a.iter().rev().zip(b.iter().rev())) } else { Box::new(a.iter().zip(b.iter())) };
        pairs.take_while(|(x, y)| x == y).count()
    };
    let fitting: Vec<&String> = names
        .iter()
        .filter(|name| {
            let name = name.to_ascii_lowercase();
            common(&name, &wanted, false) >= KEPT_ENDS && common(&name, &wanted, true) >= KEPT_ENDS
        })
        .collect();
    match fitting.as_slice() {
        [only] => Some((*only).clone()),
        _ => None,
    }
}

/// How many characters at each end a shortened name must keep to be offered.
const KEPT_ENDS: usize = 5;

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn a_missing_file_gets_the_one_beside_it_of_a_close_name() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["AcroRdrDCx642500120432_ja_JP.exe", "lpls174.exe", "notes.txt"] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let near = |name: &str| super::nearby_file(&dir.path().join(name));
        assert_eq!(near("AcroRdrDCx642500120432_ja_jp.exe").as_deref(), Some("AcroRdrDCx642500120432_ja_JP.exe"));
        assert_eq!(near("AcroRdrDC_ja_JP.exe").as_deref(), Some("AcroRdrDCx642500120432_ja_JP.exe"));
        assert_eq!(near("lpls175.exe").as_deref(), Some("lpls174.exe"));
        assert_eq!(near("firefox.exe"), None);
    }

    #[test]
    fn suggests_the_nearest_close_candidate() {
        let keys = ["hostname", "windows", "image", "product_key"];
        assert_eq!(did_you_mean("hostnme", keys), Some("hostname"));
        assert_eq!(did_you_mean("Windws", keys), Some("windows"));
        assert_eq!(did_you_mean("productkey", keys), Some("product_key"));
    }

    #[test]
    fn suggests_nothing_for_an_unrelated_word() {
        assert_eq!(did_you_mean("printer", ["hostname", "windows", "image"]), None);
    }
}
