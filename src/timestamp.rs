//! The one moment the media are stamped with: `SOURCE_DATE_EPOCH` when set (the reproducible-builds convention),
//! otherwise a fixed date, so that the same inputs always give the same bytes.

/// 2024-01-01T00:00:00Z.
const FIXED: i64 = 1_704_067_200;

/// Seconds since the Unix epoch to stamp files and the manifest with.
pub fn build_time() -> i64 {
    std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(FIXED)
}

/// `2024-01-01T00:00:00Z`.
pub fn iso8601(seconds: i64) -> String {
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", of_day / 3600, of_day / 60 % 60, of_day % 60)
}

/// Japan Standard Time's offset: the ledger's rows are in the time of the desk, the paper ledger and the auditor
/// (desk review F6), which has no daylight saving.
const JST_OFFSET_SECONDS: i64 = 9 * 3600;

/// `seconds` since the epoch as JST with its offset, `2026-12-02T03:43:28+09:00`.
pub fn jst(seconds: i64) -> String {
    let local = seconds + JST_OFFSET_SECONDS;
    let (year, month, day) = civil_from_days(local.div_euclid(86_400));
    let of_day = local.rem_euclid(86_400);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+09:00", of_day / 3600, of_day / 60 % 60, of_day % 60)
}

/// (year, month, day) of a day count from 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Days from 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm, the inverse of [`civil_from_days`]).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the epoch of `yyyy-MM-ddTHH:mm:ss` followed by `Z` or an offset `+HH:mm`/`-HH:mm`, the form
/// PowerShell's `Get-Date -Format 'yyyy-MM-ddTHH:mm:sszzz'` writes; `None` for anything else.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
    };
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || bytes[10] != b'T'
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let days_in_month = match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let offset = match &text[19..] {
        "Z" => 0,
        zone if zone.len() == 6 && zone.as_bytes()[3] == b':' => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (hours, minutes) = (number(20..22)?, number(23..25)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            sign * (hours * 3600 + minutes * 60)
        }
        _ => return None,
    };
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(jst(0), "1970-01-01T09:00:00+09:00");
        assert_eq!(jst(FIXED - 1), "2024-01-01T08:59:59+09:00");
        assert_eq!(parse_rfc3339(&jst(FIXED)), Some(FIXED));
        assert_eq!(iso8601(FIXED), "2024-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400 + 3661), "2000-02-29T01:01:01Z");
        assert_eq!(parse_rfc3339("2000-02-29T01:01:01Z"), Some(951_782_400 + 3661));
        assert_eq!(parse_rfc3339("2000-02-29T10:01:01+09:00"), Some(951_782_400 + 3661));
        assert_eq!(parse_rfc3339("1969-12-31T19:00:00-05:00"), Some(0));
        for bad in [
            "2001-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-25T10:42:07",
            "2026-11-25T10:42:07+9:00",
            "+２026-11-25T10:42:07Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
