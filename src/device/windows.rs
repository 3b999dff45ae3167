//! Disks on Windows, from the Storage module's `Get-Disk` (Windows' own view, including which disk boots and which
//! holds the system). Writing to a Windows disk is not offered yet; listing is, so that staff can approve sticks.

use super::Disk;
use serde::Deserialize;

/// The fields of `Get-Disk` that the rules need.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetDisk {
    number: u32,
    friendly_name: Option<String>,
    serial_number: Option<String>,
    size: u64,
    bus_type: serde_json::Value,
    is_boot: Option<bool>,
    is_system: Option<bool>,
    is_read_only: Option<bool>,
}

/// Bus types (MSFT_Disk.BusType) that are removable media: USB (7), SD (12), MMC (13).
const REMOVABLE_BUSES: &[u64] = &[7, 12, 13];

/// Disks from the JSON of `Get-Disk | ConvertTo-Json`.
pub fn parse_get_disk(json: &str) -> Result<Vec<Disk>, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|err| err.to_string())?;
    // ConvertTo-Json writes a single disk as an object, several as an array.
    let items = match value {
        serde_json::Value::Array(items) => items,
        single => vec![single],
    };
    items
        .into_iter()
        .map(|item| {
            let disk: GetDisk = serde_json::from_value(item).map_err(|err| err.to_string())?;
            let bus = match &disk.bus_type {
                serde_json::Value::Number(n) => n.as_u64(),
                serde_json::Value::String(s) if s.eq_ignore_ascii_case("usb") => Some(7),
                _ => None,
            };
            let removable = bus.is_some_and(|b| REMOVABLE_BUSES.contains(&b));
            Ok(Disk {
                path: format!(r"\\.\PhysicalDrive{}", disk.number),
                model: disk.friendly_name.unwrap_or_default().trim().to_string(),
                serial: disk.serial_number.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
                size: disk.size,
                removable,
                usb: bus == Some(7),
                read_only: disk.is_read_only.unwrap_or(false),
                system: disk.is_boot.unwrap_or(false) || disk.is_system.unwrap_or(false),
                ..Disk::default()
            })
        })
        .collect()
}

pub fn list() -> std::io::Result<Vec<Disk>> {
    let output = std::process::Command::new("powershell.exe")
        .args(["-NoProfile", "-Command", "Get-Disk | Select-Object Number,FriendlyName,SerialNumber,Size,BusType,IsBoot,IsSystem,IsReadOnly | ConvertTo-Json"])
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    parse_get_disk(&text).map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_get_disk_output() {
        let json = r#"[
          {"Number":0,"FriendlyName":"Samsung SSD 980","SerialNumber":"S64ANS0T1 ","Size":500107862016,"BusType":17,"IsBoot":true,"IsSystem":true,"IsReadOnly":false},
          {"Number":2,"FriendlyName":"SanDisk Ultra","SerialNumber":"4C530001230101115042","Size":15376318464,"BusType":7,"IsBoot":false,"IsSystem":false,"IsReadOnly":false}
        ]"#;
        let disks = parse_get_disk(json).unwrap();
        assert_eq!(disks[0].path, r"\\.\PhysicalDrive0");
        assert!(disks[0].system && !disks[0].removable);
        assert!(disks[1].removable && disks[1].usb && !disks[1].system);
        assert_eq!(disks[1].serial.as_deref(), Some("4C530001230101115042"));
        let single = r#"{"Number":1,"FriendlyName":"X","SerialNumber":null,"Size":1,"BusType":"USB","IsBoot":false,"IsSystem":false,"IsReadOnly":true}"#;
        let disks = parse_get_disk(single).unwrap();
        assert!(disks[0].usb && disks[0].read_only && disks[0].serial.is_none());
    }
}
