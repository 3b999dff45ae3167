//! The same mistakes, told in Japanese or in English as the locale says, and the same JSON either way.

mod common;

use common::{Scratch, tanmatsu};
use std::path::Path;

/// Runs `tanmatsu ARGS` with the locale variables set as given (the others removed); returns (code, stdout, stderr).
fn run_in(locale: &[(&str, &str)], args: &[&str], profile: Option<&Path>) -> (i32, String, String) {
    let mut command = tanmatsu();
    command.env_remove("LANG").env_remove("LC_ALL").env_remove("LC_MESSAGES");
    for (variable, value) in locale {
        command.env(variable, value);
    }
    command.args(args);
    if let Some(profile) = profile {
        command.arg(profile);
    }
    common::outcome(&mut command)
}

const JAPANESE: &[(&str, &str)] = &[("LANG", "ja_JP.UTF-8")];
const ENGLISH: &[(&str, &str)] = &[("LANG", "C")];

/// `check` on the example profile with one edit, in Japanese and in English: (code, all output) for each.
fn check_both(from: &str, to: &str) -> [(i32, String); 2] {
    let scratch = Scratch::new();
    let profile = scratch.edited_profile("kenpo-kumiai", from, to);
    [JAPANESE, ENGLISH].map(|locale| {
        let (code, stdout, stderr) = run_in(locale, &["check"], Some(&profile));
        (code, format!("{stdout}{stderr}"))
    })
}

#[test]
fn a_parse_error_is_explained_in_the_users_language() {
    let [(ja_code, ja), (en_code, en)] = check_both("image = \"Windows 11 Pro\"", "image = \"Windows 11 Pro");
    assert_eq!((ja_code, en_code), (2, 2));
    assert!(ja.contains("エラー: 文字列が閉じられていません（`\"` が必要です）"), "{ja}");
    assert!(en.contains("error: a string is not closed: expected `\"`"), "{en}");
    for output in [&ja, &en] {
        assert!(output.contains("kenpo-kumiai.toml:17:"), "both name the line: {output}");
    }
}

#[test]
fn a_spec_violation_is_explained_in_the_users_language_with_the_items_japanese_label() {
    let [(ja_code, ja), (en_code, en)] = check_both("windows = \"11-pro\"", "windows = \"11-home\"");
    assert_eq!((ja_code, en_code), (1, 1));
    assert!(
        ja.contains(
            "エラー[SW-1]: Windows 11 Home は使えません。端末の OS は Windows 10 Pro または Windows 11 Pro です"
        ),
        "{ja}"
    );
    assert!(ja.contains("仕様項目 SW-1: OS: Windows 10 Pro 又は 11 Pro"), "{ja}");
    assert!(
        en.contains("error[SW-1]: Windows 11 Home is not allowed: the terminal runs Windows 10 Pro or Windows 11 Pro")
    );
    assert!(en.contains("spec item SW-1: OS: Windows 10 Pro 又は 11 Pro"), "the Japanese label in English too: {en}");
    assert!(ja.contains("仕様を満たしていません") && en.contains("does NOT meet the spec"), "the verdict: {ja}\n{en}");
}

#[test]
fn a_missing_payload_is_explained_in_the_users_language() {
    let [(ja_code, ja), (en_code, en)] = check_both("payload/lpls174.exe", "payload/lpls175.exe");
    assert_eq!((ja_code, en_code), (1, 1));
    assert!(ja.contains("payload/lpls175.exe` を読めません: ファイルまたはフォルダーがありません"), "{ja}");
    assert!(ja.contains("仕様項目 SW-4: 暗号化圧縮・解凍ソフト"), "{ja}");
    assert!(
        en.contains("payload/lpls175.exe`: no such file or folder") && en.contains("error[SW-4]: cannot read `"),
        "{en}"
    );
}

#[test]
fn json_is_the_same_in_every_language() {
    let scratch = Scratch::new();
    let profile = scratch.edited_profile("kenpo-kumiai", "windows = \"11-pro\"", "windows = \"11-home\"");
    let (_, japanese, _) = run_in(JAPANESE, &["check", "--json"], Some(&profile));
    let (_, english, _) = run_in(ENGLISH, &["check", "--json"], Some(&profile));
    assert_eq!(japanese, english);
    let report: serde_json::Value = serde_json::from_str(&english).unwrap();
    let finding = report["findings"].as_array().unwrap().iter().find(|f| f["item"] == "SW-1").unwrap();
    assert_eq!(finding["message"]["key"], "check.edition");
    assert_eq!(finding["message"]["args"]["edition"], "Windows 11 Home");
}

#[test]
fn the_language_follows_lang_flag_then_lc_all_then_lc_messages_then_lang() {
    let says_japanese = |locale: &[(&str, &str)], args: &[&str]| {
        let (code, stdout, _) = run_in(locale, &[args, &["--help"]].concat(), None);
        assert_eq!(code, 0);
        stdout.contains("使い方:")
    };
    assert!(says_japanese(JAPANESE, &[]));
    assert!(!says_japanese(ENGLISH, &[]));
    assert!(!says_japanese(JAPANESE, &["--lang", "en"]));
    assert!(says_japanese(ENGLISH, &["--lang=ja"]));
    assert!(!says_japanese(&[("LANG", "ja_JP.UTF-8"), ("LC_ALL", "C")], &[]));
    assert!(says_japanese(&[("LANG", "C"), ("LC_MESSAGES", "ja_JP.UTF-8")], &[]));
}

#[test]
fn a_mistake_on_the_command_line_is_explained_in_the_users_language() {
    let (code, _, stderr) = run_in(JAPANESE, &["chek"], None);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`chek` というコマンドはありません") && stderr.contains("`check` のことですか?"),
        "{stderr}"
    );
    let (code, _, stderr) = run_in(ENGLISH, &["build", "p.toml", "-o", "x.img", "--size", "12Q"], None);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`12Q` is not valid for --size <SIZE>: `12Q` has an unknown unit; use K, M, G or T"),
        "{stderr}"
    );
}

#[test]
fn help_is_in_the_users_language_down_to_each_option() {
    let (_, japanese, _) = run_in(JAPANESE, &["write", "--help"], None);
    assert!(japanese.contains("オプション:") && japanese.contains("確認を求めません（スクリプト用）"), "{japanese}");
    let (_, english, _) = run_in(ENGLISH, &["write", "--help"], None);
    assert!(english.contains("Options:") && english.contains("Do not ask for confirmation (for scripts)"), "{english}");
}

#[test]
fn init_comments_the_new_profile_in_the_users_language() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.toml");
    let (code, _, stderr) = run_in(JAPANESE, &["init"], Some(&path));
    assert_eq!(code, 0);
    assert!(stderr.contains("を書き出しました。編集してから `tanmatsu check"), "{stderr}");
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.contains("# SEC-5: 保守用の管理者 1 名と、業務を行う標準ユーザー。"), "{written}");
}

/// The operating system's reasons are English on Linux; every command translates the common ones the same way.
#[test]
fn a_missing_file_is_named_in_the_users_language_by_every_command() {
    for args in [["verify", "/nonexistent/x.img"], ["report", "/nonexistent/reports"]] {
        let (code, _, stderr) = run_in(JAPANESE, &args, None);
        assert_eq!(code, 2);
        assert!(stderr.contains("を読めません: ファイルまたはフォルダーがありません"), "{args:?}: {stderr}");
        let (_, _, stderr) = run_in(ENGLISH, &args, None);
        assert!(stderr.contains("no such file or folder"), "{args:?}: {stderr}");
    }
}
