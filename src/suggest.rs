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

#[cfg(test)]
mod tests {
    use super::did_you_mean;

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
