//! Approved removable media (MED-2): the sticks this terminal will accept, by device instance ID.

use crate::diagnostic::Diagnostic;
use crate::i18n::Message;
use crate::msg;
use crate::profile::{ApprovedMedium, LoadedProfile};

pub fn check(loaded: &LoadedProfile, findings: &mut Vec<Diagnostic>) {
    let approved = &loaded.profile.media.approved;
    if approved.is_empty() {
        findings.push(
            Diagnostic::warning(msg!("check.media.none-approved"))
                .item("MED-2")
                .field("media")
                .help(msg!("check.media.none-approved.help")),
        );
    }
    let mut labels = Vec::new();
    for (i, medium) in approved.iter().enumerate() {
        let field = format!("media.approved[{i}]");
        if labels.contains(&&medium.label) {
            findings.push(
                Diagnostic::error(msg!("check.media.label-twice", label = &medium.label))
                    .item("MED-2")
                    .field(format!("{field}.label")),
            );
        }
        labels.push(&medium.label);
        if let Err((problem, key)) = check_medium(medium) {
            findings.push(Diagnostic::error(problem).item("MED-2").field(format!("{field}.{key}")));
        }
    }
}

/// A USB device ID is `USB\VID_xxxx&PID_xxxx\<serial>`. Windows makes up an instance ID containing `&` for a stick
/// that reports no serial number; such an ID is not unique to the stick, so it cannot be approved reliably.
fn check_medium(medium: &ApprovedMedium) -> Result<(), (Message, &'static str)> {
    let usb = &medium.usb_instance_id;
    let parts: Vec<&str> = usb.split('\\').collect();
    let serial = match parts[..] {
        [bus, ids, serial] if bus.eq_ignore_ascii_case("USB") && is_vid_pid(ids) && !serial.is_empty() => serial,
        _ => {
            let example = r"USB\VID_0781&PID_5581\4C530001230101115042";
            return Err((msg!("check.media.not-usb-id", id = usb, example = example), "usb_instance_id"));
        }
    };
    if serial.contains('&') {
        return Err((msg!("check.media.no-serial", id = usb, serial = serial), "usb_instance_id"));
    }
    let disk = &medium.disk_instance_id;
    let disk_serial = disk.rsplit('\\').next().unwrap_or_default();
    let disk_serial = disk_serial.split('&').next().unwrap_or_default();
    if !disk.to_ascii_uppercase().starts_with("USBSTOR\\DISK&") || !disk_serial.eq_ignore_ascii_case(serial) {
        return Err((msg!("check.media.disk-id", disk = disk, usb = usb, serial = serial), "disk_instance_id"));
    }
    Ok(())
}

fn is_vid_pid(ids: &str) -> bool {
    let upper = ids.to_ascii_uppercase();
    let Some((vid, pid)) = upper.split_once('&') else {
        return false;
    };
    let hex4 = |s: Option<&str>| s.is_some_and(|s| s.len() == 4 && s.chars().all(|c| c.is_ascii_hexdigit()));
    hex4(vid.strip_prefix("VID_")) && hex4(pid.strip_prefix("PID_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn medium(usb: &str, disk: &str) -> ApprovedMedium {
        ApprovedMedium { label: "媒体No.1".into(), usb_instance_id: usb.into(), disk_instance_id: disk.into() }
    }

    #[test]
    fn accepts_a_stick_with_a_serial() {
        let m = medium(
            r"USB\VID_0781&PID_5581\4C530001230101115042",
            r"USBSTOR\DISK&VEN_SANDISK&PROD_ULTRA&REV_1.00\4C530001230101115042&0",
        );
        assert_eq!(check_medium(&m), Ok(()));
    }

    #[test]
    fn refuses_a_stick_without_a_serial() {
        let m = medium(r"USB\VID_0781&PID_5581\7&1A2B3C4D&0&1", r"USBSTOR\DISK&VEN_X&PROD_Y&REV_1\7&1A2B3C4D&0&1&0");
        assert_eq!(check_medium(&m).unwrap_err().0.key, "check.media.no-serial");
    }

    #[test]
    fn refuses_mismatched_or_malformed_ids() {
        let m = medium(r"USB\VID_0781&PID_5581\AAAA", r"USBSTOR\DISK&VEN_X&PROD_Y&REV_1\BBBB&0");
        assert_eq!(check_medium(&m).unwrap_err().1, "disk_instance_id");
        let m = medium(r"USB\VID_07G1&PID_5581\AAAA", r"USBSTOR\DISK&VEN_X\AAAA&0");
        assert_eq!(check_medium(&m).unwrap_err().1, "usb_instance_id");
    }
}
