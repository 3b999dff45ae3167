//! A terminal's reports as one chain: numbered from 1, each naming the SHA-256 of the one before, all signed by
//! the key enrolled for that terminal. A report that was edited, deleted, replaced, signed by another key or never
//! signed breaks it; the terminal's reports are then unverified, and say why.

use super::{HistoryPoint, ReadReport, Summary, Verification};
use crate::escape::csv_cell;
use crate::ledger;
use crate::msg;
use std::collections::BTreeMap;

/// A clock a little ahead is no forgery; a report dated more than this after now is not believed.
const CLOCK_LEEWAY_SECONDS: i64 = 86_400;

pub(super) struct Terminal {
    pub latest: ReadReport,
    pub verification: Verification,
    pub history: Vec<HistoryPoint>,
    pub enrolment: Option<ledger::Entry>,
}

/// The reports grouped by the key they name, one chain each, in the order of their first file.
pub(super) fn terminals(
    reports: Vec<ReadReport>,
    enrolled: &[&ledger::Entry],
    now: i64,
    ledger_intact: bool,
) -> Vec<Terminal> {
    let mut chains: Vec<(String, Vec<ReadReport>)> = Vec::new();
    for report in reports {
        let key = report.report.key.sha256.to_ascii_lowercase();
        let chain = match chains.iter_mut().find(|(k, _)| *k == key) {
            Some((_, chain)) => chain,
            None => {
                chains.push((key, Vec::new()));
                &mut chains.last_mut().expect("just pushed").1
            }
        };
        // The same file twice (the stick's copy and the terminal's) is one report.
        if !chain.iter().any(|r| r.sha256 == report.sha256) {
            chain.push(report);
        }
    }
    chains.into_iter().map(|(key, chain)| terminal(key, chain, enrolled, now, ledger_intact)).collect()
}

fn terminal(
    key: String,
    mut chain: Vec<ReadReport>,
    enrolled: &[&ledger::Entry],
    now: i64,
    ledger_intact: bool,
) -> Terminal {
    chain.sort_by(|a, b| (a.report.sequence, &a.sha256).cmp(&(b.report.sequence, &b.sha256)));
    let mut reasons = Vec::new();
    let enrolment = enrolled.iter().find(|e| e.terminal_key == key).map(|e| (*e).clone());
    let latest_index = chain.len() - 1;
    {
        let latest = &chain[latest_index];
        let identity = &latest.report.terminal;
        match &enrolment {
            _ if !ledger_intact => reasons.push(msg!("report.unverified.ledger-broken")),
            None => reasons.push(msg!("report.unverified.not-enrolled", key = &key, file = latest.file.display())),
            Some(enrolled)
                if enrolled.terminal_uuid != csv_cell(&identity.uuid)
                    || enrolled.serial != csv_cell(&identity.serial) =>
            {
                reasons.push(msg!(
                    "report.unverified.other-machine",
                    seq = enrolled.seq,
                    uuid = &enrolled.terminal_uuid,
                    serial = &enrolled.serial,
                    reported_uuid = &identity.uuid,
                    reported_serial = &identity.serial
                ));
            }
            Some(row) => {
                // A later enrolment of the same machine under another key retires this one.
                if let Some(later) = enrolled_later(row, enrolled) {
                    reasons.push(msg!("report.unverified.superseded", seq = later.seq, time = &later.time));
                }
            }
        }
        if latest.report.summary != Summary::of(&latest.report.checks) {
            reasons.push(msg!("report.unverified.summary", file = latest.file.display()));
        }
    }
    // Every report's date: a date with its offset, not after today, and none before the report numbered one less.
    let mut earlier: Option<(i64, &ReadReport)> = None;
    for report in &chain {
        let at = &report.report.generated_at;
        match crate::timestamp::parse_rfc3339(at).filter(|seconds| *seconds >= 0) {
            Some(seconds) if seconds > now + CLOCK_LEEWAY_SECONDS => {
                reasons.push(msg!("report.unverified.future", file = report.file.display(), at = at));
            }
            Some(seconds) => {
                if let Some((before, previous)) = earlier
                    && before > seconds
                    && previous.report.sequence < report.report.sequence
                {
                    reasons.push(msg!(
                        "report.unverified.backwards",
                        file = report.file.display(),
                        at = at,
                        previous = &previous.report.generated_at
                    ));
                }
                earlier = Some((seconds, report));
            }
            None => reasons.push(msg!("report.unverified.date", file = report.file.display(), at = at)),
        }
    }
    for report in &chain {
        if let Err(reason) = &report.signed {
            reasons.push(msg!("report.unverified.signature", file = report.file.display(), reason = reason));
        }
    }
    let mut by_number: BTreeMap<u64, Vec<&ReadReport>> = BTreeMap::new();
    for report in &chain {
        by_number.entry(report.report.sequence).or_default().push(report);
    }
    let last = chain[latest_index].report.sequence;
    for number in 1..=last.min(chain.len() as u64 + 1) {
        match by_number.get(&number).map(Vec::as_slice) {
            None => reasons.push(msg!("report.unverified.missing", number = number)),
            Some([_]) => {}
            Some(several) => reasons.push(msg!(
                "report.unverified.fork",
                number = number,
                files = several.iter().map(|r| r.file.display().to_string()).collect::<Vec<_>>().join(", ")
            )),
        }
    }
    if last > chain.len() as u64 + 1 {
        reasons.push(msg!("report.unverified.missing-many", last = last, present = chain.len()));
    }
    if by_number.contains_key(&0) {
        reasons.push(msg!("report.unverified.missing", number = 0));
    }
    for report in &chain {
        let number = report.report.sequence;
        let expected = match number {
            0 | 1 => None,
            _ => match by_number.get(&(number - 1)).map(Vec::as_slice) {
                Some([previous]) => Some(previous.sha256.as_str()),
                // A missing or forked predecessor is reported above.
                _ => continue,
            },
        };
        let named = report.report.previous_report_sha256.as_deref().map(str::to_ascii_lowercase);
        if named.as_deref() != expected {
            reasons.push(msg!("report.unverified.link", file = report.file.display(), number = number));
        }
    }
    let history = chain
        .iter()
        .map(|r| HistoryPoint {
            sequence: r.report.sequence,
            generated_at: r.report.generated_at.clone(),
            file: r.file.clone(),
            sha256: r.sha256.clone(),
            failing_checks: Summary::of(&r.report.checks).fail,
            definitions_age_days: r.report.measurements.definitions_age_days,
            build: r.report.windows.build.clone(),
            ubr: r.report.windows.ubr,
        })
        .collect();
    let latest = chain.swap_remove(latest_index);
    Terminal { latest, verification: Verification { verified: reasons.is_empty(), reasons }, history, enrolment }
}

/// The first enrolment after `enrolled` of the same machine (UUID and serial) under another key.
fn enrolled_later<'e>(enrolled: &ledger::Entry, all: &[&'e ledger::Entry]) -> Option<&'e ledger::Entry> {
    all.iter()
        .copied()
        .filter(|e| e.seq > enrolled.seq && e.terminal_key != enrolled.terminal_key)
        .find(|e| e.terminal_uuid == enrolled.terminal_uuid && e.serial == enrolled.serial)
}
