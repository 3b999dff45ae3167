//! `tanmatsu init`: a commented profile to start from, its comments in the user's language.

use crate::i18n::Lang;
use crate::profile::OrganizationKind;

/// The same profile, commented in each language; a test checks that the two hold the same settings.
const TEMPLATES: [(Lang, &str); 2] = [
    (Lang::En, include_str!("../templates/init/profile.en.toml")),
    (Lang::Ja, include_str!("../templates/init/profile.ja.toml")),
];

/// The starting profile for an organisation of `kind`, commented in `lang`.
pub fn starting_profile(kind: OrganizationKind, lang: Lang) -> String {
    let (kind, organization) = match kind {
        OrganizationKind::Insurer => ("insurer", "○○健康保険組合"),
        OrganizationKind::WelfareOffice => ("welfare-office", "○○市福祉事務所"),
    };
    let template = TEMPLATES.iter().find(|(l, _)| *l == lang).expect("a profile for every language").1;
    template.replace("{{kind}}", kind).replace("{{organization}}", organization)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_starts_from_the_same_settings() {
        for kind in [OrganizationKind::Insurer, OrganizationKind::WelfareOffice] {
            let [english, japanese] =
                [Lang::En, Lang::Ja].map(|lang| toml::from_str::<toml::Table>(&starting_profile(kind, lang)).unwrap());
            assert_eq!(english, japanese);
            assert!(starting_profile(kind, Lang::Ja).contains("# tanmatsu 端末プロファイル"));
        }
    }
}
