//! `tanmatsu init`: a commented profile to start from.

use crate::profile::OrganizationKind;

const TEMPLATE: &str = include_str!("../templates/init/profile.toml");

/// The starting profile for an organisation of `kind`.
pub fn starting_profile(kind: OrganizationKind) -> String {
    let (kind, organization) = match kind {
        OrganizationKind::Insurer => ("insurer", "○○健康保険組合"),
        OrganizationKind::WelfareOffice => ("welfare-office", "○○市福祉事務所"),
    };
    TEMPLATE.replace("{{kind}}", kind).replace("{{organization}}", organization)
}
