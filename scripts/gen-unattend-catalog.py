#!/usr/bin/env python3
"""Generates data/unattend-catalog.json, the catalog that `tanmatsu render` validates answer files against.

Windows Setup ignores a misspelt or misplaced answer-file setting without a word, and no official schema covers the
settings, so the catalog is made from Microsoft's "Unattended Windows Setup Reference": one Markdown page per
component and setting, each naming the setting's parent hierarchy, its valid configuration passes and its values.
That reference is published under CC BY 4.0 and preserved in the public repositories sfigg/commercialization-public
and gwblok/commercialization-public (folder customize/desktop/unattend).

Each setting gets "passes" and "kind" (container, list-item or value), and "keyed" for list items named by
wcm:keyValue. On top of that, read mechanically from the pages (the `## Values` table or prose):

  value           what a "kind": "value" setting may hold; absent where the page states nothing usable:
                    {"type": "boolean"}                                   the page lists exactly true and false
                    {"type": "integer", "min": N|null, "max": N|null}     an integer, with the range where stated
                    {"type": "enum", "values": [...], "case_sensitive": false}
                    {"type": "enum", "values_from": "languages", ...}     one of a top-level table's values
                    {"type": "string", "max_length": N|null}              a string, with its stated length limit
                  and, where the page says so, "allow_empty": true|false ("This string type (does not) support(s)
                  empty elements"). "exhaustive": false on an enum: its list holds the known values, not all of
                  them, so a value outside it deserves a warning, not an error.
  excludes        sibling settings that must not be set together with this one; a boolean member of such a pair
                  counts only when it is true ("If a value for Size is specified and CreatePartition:Extend is set
                  to true, no partition is created").
  unique_in_list  the value must differ between the items of the list that holds the setting (Order, Key, …).
  password_suffix for the Value of a password container that has PlainText: when PlainText is false, Setup
                  base64-decodes Value as UTF-16LE text that must end with this suffix.
  server_only     true where the page says "This setting applies only to the Windows Server editions".

Where a page's own XML example breaks the rule read from its Values section, the rule is loosened (the reference
then disagrees with itself) and the script says so on stderr. Rules the pages state in words the parser cannot read
come from the HAND table below, each entry with the page it
rests on and a quote; the script checks that every quote still occurs in its page.

Two top-level lists, with their pages in "table_sources" ({"source", "complete", "note"} for each):
  time_zones  Windows time zone IDs from the manufacture docs' "Default Time Zones" page, which lists only each
              country's default zone ("complete": false; TimeZone's enum then says "exhaustive": false), joined
              with every ID of CLDR's windowsZones when --windows-zones gives it ("complete": true).
  languages   language tags of the language packs and language interface packs from "Available Language Packs for
              Windows"; the UI-language settings take "values_from": "languages".
A list whose page is missing from the source is left out, and so is every reference to it.

Usage:
    scripts/gen-unattend-catalog.py --git-dir PATH/TO/commercialization-public/.git [--rev HEAD] \
        [--windows-zones tzlocal-5.4.5-windows_tz.py] > data/unattend-catalog.json
  (the committed catalog was made with --windows-zones from the wheel tzlocal 5.4.5 on PyPI, tzlocal/windows_tz.py,
  which tzlocal generates from Unicode CLDR's windowsZones.xml: `pip download --no-deps tzlocal==5.4.5`)
    scripts/gen-unattend-catalog.py --folder PATH/TO/customize/desktop/unattend --source-note "…" > data/unattend-catalog.json
With --folder the two tables are read from ../../../manufacture/desktop beside the folder, if it is there.
"""
import argparse
import base64
import html
import json
import os
import re
import subprocess
import sys

FOLDER = "customize/desktop/unattend"
TIME_ZONES_PAGE = "manufacture/desktop/default-time-zones.md"
LANGUAGES_PAGE = "manufacture/desktop/available-language-packs-for-windows.md"
PASSES = ["windowsPE", "offlineServicing", "generalize", "specialize", "auditSystem", "auditUser", "oobeSystem"]
PASS_BY_LOWER = {p.lower(): p for p in PASSES}

# Rules that the pages state in words the parser cannot read. Keyed by (component, setting path); each entry has the
# fields to set, the page (path in the repository, or a URL) and a quote from it. A "value" here replaces the parsed
# one; the other fields are added.
HAND = {
    ("Microsoft-Windows-Setup", "DiskConfiguration/Disk/CreatePartitions/CreatePartition/Order"): (
        {"value": {"type": "integer", "min": 1, "max": None}, "unique_in_list": True},
        FOLDER + "/microsoft-windows-setup-diskconfiguration-disk-createpartitions-createpartition-order.md",
        "use the partition order starting with 1 and increasing: 1, 2, 3, and so on"),
    ("Microsoft-Windows-Setup", "DiskConfiguration/Disk/ModifyPartitions/ModifyPartition/Order"): (
        {"value": {"type": "integer", "min": 1, "max": None}, "unique_in_list": True},
        FOLDER + "/microsoft-windows-setup-diskconfiguration-disk-modifypartitions-modifypartition-order.md",
        "use the partition order starting with 1 and increasing: 1, 2, 3, and so on"),
    ("Microsoft-Windows-Setup", "DiskConfiguration/Disk/ModifyPartitions/ModifyPartition/PartitionID"): (
        {"value": {"type": "integer", "min": 1, "max": None}},
        FOLDER + "/microsoft-windows-setup-diskconfiguration-disk-modifypartitions-modifypartition-partitionid.md",
        "The first partition on a disk has the value of 1, the second, 2, and so on."),
    ("Microsoft-Windows-Setup", "DiskConfiguration/Disk/DiskID"): (
        {"value": {"type": "integer", "min": 0, "max": None}},
        FOLDER + "/microsoft-windows-setup-diskconfiguration-disk-diskid.md",
        "The value 0 specifies the first disk, while the value 1 specifies the second disk, and so on."),
    ("Microsoft-Windows-Setup", "DiskConfiguration/Disk/CreatePartitions/CreatePartition/Size"): (
        {"excludes": ["Extend"]},
        FOLDER + "/microsoft-windows-setup-diskconfiguration-disk-createpartitions-createpartition-size.md",
        "If a value for `Size` is specified and CreatePartition:`Extend` is set to **true**, no partition is "
        "created. An error is logged, and installation is terminated."),
    ("Microsoft-Windows-Setup", "DiskConfiguration/Disk/CreatePartitions/CreatePartition/Extend"): (
        {"excludes": ["Size"]},
        FOLDER + "/microsoft-windows-setup-diskconfiguration-disk-createpartitions-createpartition-extend.md",
        "When creating a new partition, you must either use `CreatePartition:`Size, or set `CreatePartition:Extend` to true."),
    ("Microsoft-Windows-Setup", "ImageInstall/OSImage/InstallTo"): (
        {"excludes": ["InstallToAvailablePartition"]},
        FOLDER + "/microsoft-windows-setup-imageinstall-osimage-installto.md",
        "If both **InstallToAvailablePartition** and **InstallTo** are set the installation will fail."),
    ("Microsoft-Windows-Setup", "ImageInstall/OSImage/InstallToAvailablePartition"): (
        {"excludes": ["InstallTo"]},
        FOLDER + "/microsoft-windows-setup-imageinstall-osimage-installtoavailablepartition.md",
        "if you set the **InstallToAvailablePartition** setting to **true**, do not set the **InstallTo** setting."),
    ("Microsoft-Windows-UnattendedJoin", "Identification/JoinDomain"): (
        {"excludes": ["JoinWorkgroup"]},
        FOLDER + "/microsoft-windows-unattendedjoin-identification-joindomain.md",
        "However, only one of these settings should be present in an answer file."),
    ("Microsoft-Windows-UnattendedJoin", "Identification/JoinWorkgroup"): (
        {"excludes": ["JoinDomain"]},
        FOLDER + "/microsoft-windows-unattendedjoin-identification-joinworkgroup.md",
        "However, only one of these settings can be present in an answer file."),
    # The page's example holds two RunSynchronousCommand siblings without wcm:action, so the parser takes it for a
    # container; a container cannot be given twice, and the example gives it twice: each command is a list item.
    ("Microsoft-Windows-Setup", "RunSynchronous/RunSynchronousCommand"): (
        {"kind": "list-item"},
        FOLDER + "/microsoft-windows-setup-runsynchronous-runsynchronouscommand.md",
        "<!-- Second synchronous command to run -->"),
    ("Microsoft-Windows-Deployment", "RunSynchronous/RunSynchronousCommand/Order"): (
        {"unique_in_list": True},
        FOLDER + "/microsoft-windows-deployment-runsynchronous-runsynchronouscommand-order.md",
        "Synchronous commands start in the order specified in the unattended installation answer file, and each "
        "command must finish before the next command starts."),
    ("Microsoft-Windows-Setup", "RunSynchronous/RunSynchronousCommand/Order"): (
        {"unique_in_list": True},
        FOLDER + "/microsoft-windows-setup-runsynchronous-runsynchronouscommand-order.md",
        "Synchronous commands start in the order specified in the unattended installation answer file, and each "
        "command must finish before the next command starts."),
    ("Microsoft-Windows-Shell-Setup", "FirstLogonCommands/SynchronousCommand/Order"): (
        {"unique_in_list": True},
        FOLDER + "/microsoft-windows-shell-setup-firstlogoncommands-synchronouscommand-order.md",
        "Specifies the order in which commands are to be run at first logon."),
    ("Microsoft-Windows-Setup", "ImageInstall/DataImage/Order"): (
        {"unique_in_list": True},
        FOLDER + "/microsoft-windows-setup-imageinstall-dataimage-order.md",
        "Specifies the order in which a data image is installed."),
    ("Microsoft-Windows-Setup", "Display/ColorDepth"): (
        {"value": {"type": "integer", "min": None, "max": None}},
        FOLDER + "/microsoft-windows-setup-display-colordepth.md",
        "For example, to specify a color depth of 32 bits, set ColorDepth to 32."),
    ("Microsoft-Windows-Setup", "Display/HorizontalResolution"): (
        {"value": {"type": "integer", "min": None, "max": None}},
        FOLDER + "/microsoft-windows-setup-display-horizontalresolution.md",
        "For example, to specify a horizontal resolution of 640, set HorizontalResolution to 640."),
    ("Microsoft-Windows-Setup", "Display/RefreshRate"): (
        {"value": {"type": "integer", "min": None, "max": None}},
        FOLDER + "/microsoft-windows-setup-display-refreshrate.md",
        "For example, to specify a refresh rate of 60 hertz, set RefreshRate to 60."),
    ("Microsoft-Windows-Setup", "Display/VerticalResolution"): (
        {"value": {"type": "integer", "min": None, "max": None}},
        FOLDER + "/microsoft-windows-setup-display-verticalresolution.md",
        "For example, to specify a vertical resolution of 480, set VerticalResolution to 480."),
    ("Microsoft-Windows-Setup", "UserData/ProductKey/Key"): (
        {"value": {"type": "string", "max_length": 29, "allow_empty": False}},
        FOLDER + "/microsoft-windows-setup-userdata-productkey-key.md",
        "Product keys are 25 characters in the following format: xxxxx-xxxxx-xxxxx-xxxxx-xxxxx"),
    ("Microsoft-Windows-International-Core", "UILanguage"): (
        {"value": {"type": "enum", "values_from": "languages", "case_sensitive": False, "allow_empty": True}},
        FOLDER + "/microsoft-windows-international-core-uilanguage.md",
        "For a list of supported languages, see Available Language Packs."),
    ("Microsoft-Windows-International-Core-WinPE", "UILanguage"): (
        {"value": {"type": "enum", "values_from": "languages", "case_sensitive": False, "allow_empty": True}},
        FOLDER + "/microsoft-windows-international-core-winpe-uilanguage.md",
        "For a list of supported languages, see Supported Language Packs and Default Settings."),
    ("Microsoft-Windows-International-Core-WinPE", "SetupUILanguage/UILanguage"): (
        {"value": {"type": "enum", "values_from": "languages", "case_sensitive": False, "allow_empty": False}},
        FOLDER + "/microsoft-windows-international-core-winpe-setupuilanguage-uilanguage.md",
        "For a list of supported languages, locales, and identifiers, see Available Language Packs."),
    ("Microsoft-Windows-International-Core", "UILanguageFallback"): (
        {"value": {"type": "enum", "values_from": "languages", "case_sensitive": False, "allow_empty": True}},
        FOLDER + "/microsoft-windows-international-core-uilanguagefallback.md",
        "Specifies the language of the UI for resources that have not been localized"),
    ("Microsoft-Windows-International-Core-WinPE", "UILanguageFallback"): (
        {"value": {"type": "enum", "values_from": "languages", "case_sensitive": False, "allow_empty": True}},
        FOLDER + "/microsoft-windows-international-core-winpe-uilanguagefallback.md",
        "Indicates the language of the UI for resources that have not been localized"),
    ("Microsoft-Windows-Shell-Setup", "TimeZone"): (
        {"value": {"type": "enum", "values_from": "time_zones", "case_sensitive": False, "exhaustive": False,
                   "max_length": 256}},
        FOLDER + "/microsoft-windows-shell-setup-timezone.md",
        "For a list of available time zones, use the `tzutil /l` command"),
    # The Value of a password container: the reference's own examples decode to the password followed by the
    # container's name (AdministratorPassword: "pwAdministratorPassword"; Password: "passwordPassword"); the suffix
    # itself is read from those examples below. The rule is the one Windows SIM applies ("Hide sensitive data") and
    # Setup enforces: https://github.com/SvenGroot/GenerateAnswerFile/issues/48 shows setupact.log reporting
    # "[Shell Unattend] Failed to decode password (0x8007000d)" for an AdministratorPassword encoded with the suffix
    # "Password".
}
PASSWORD_SOURCE = ("https://github.com/SvenGroot/GenerateAnswerFile/issues/48",
                   "it needs to be encoded as `<password>AdministratorPassword`")


def git(git_dir, *args):
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True, capture_output=True).stdout


def pages_from_git(git_dir, rev):
    names = git(git_dir, "ls-tree", "-r", "--name-only", rev, FOLDER).decode().split()
    for name in names:
        if name.lower().endswith(".md"):
            yield name, git(git_dir, "show", f"{rev}:{name}").decode("utf-8", "replace")


def file_from_git(git_dir, rev, path):
    try:
        return git(git_dir, "show", f"{rev}:{path}").decode("utf-8", "replace")
    except subprocess.CalledProcessError:
        return None


def pages_from_folder(folder):
    for name in sorted(os.listdir(folder)):
        if name.lower().endswith(".md"):
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                yield name, f.read()


def file_from_folder(folder, path):
    root = os.path.normpath(os.path.join(folder, *[".."] * len(FOLDER.split("/"))))
    try:
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def sections(text):
    """Maps each '## Heading' (lower case) to the text under it."""
    found, current = {}, None
    for line in text.splitlines():
        heading = re.match(r"^##\s+(.*?)\s*$", line)
        if heading:
            current = heading.group(1).lower()
            found.setdefault(current, [])
        elif current is not None:
            found[current].append(line)
    return {k: "\n".join(v) for k, v in found.items()}


def title(text):
    for line in text.splitlines():
        m = re.match(r"^#\s+(.+?)\s*$", line)
        if m:
            return m.group(1).strip("` ")
    return None


def plain(fragment):
    """Text of an HTML/Markdown fragment: tags, emphasis and links dropped, entities decoded, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", fragment)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = html.unescape(text).replace("**", "").replace("`", "").replace("\\", "")
    return re.sub(r" ([.,;:)])", r"\1", re.sub(r"\s+", " ", text)).strip()


def number(text):
    return int(text.replace(",", ""))


# ---------------------------------------------------------------------------------------------------------------
# Values sections

def table_rows(section):
    """The data rows of the first table in a section, each a list of raw cells."""
    rows = []
    for tr in re.findall(r"<tr\b.*?</tr>", section, flags=re.S | re.I):
        if re.search(r"<th\b", tr, flags=re.I):
            continue
        rows.append(re.findall(r"<td\b[^>]*>(.*?)</td>", tr, flags=re.S | re.I))
    if rows:
        return rows
    lines = [l.strip() for l in section.splitlines() if l.strip().startswith("|")]
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip("|").split("|")]
        if all(re.fullmatch(r":?-+:?", c) for c in cells if c):
            continue
        if i + 1 < len(lines) and re.fullmatch(r"[|:\-\s]+", lines[i + 1]):
            continue  # a Markdown header row
        rows.append(cells)
    return rows


def first_cell_tokens(cell):
    """The alternatives a first table cell names, each (style, text): style is "em" for an italic placeholder,
    "lit" for bold or code, "plain" otherwise; "link" for a link to another page."""
    cell = re.sub(r"</?p>", " ", cell).strip()
    if re.match(r"\[[^\]]+\]\(", cell) or re.search(r"<a\b", cell):
        return [("link", plain(cell))]
    tokens = []
    for part in re.split(r"\s+or\s+", cell):
        part = part.strip().rstrip(".")
        m = (re.fullmatch(r"<strong>(.*?)</strong>", part, flags=re.S) or re.fullmatch(r"\*\*(.+?)\*\*", part)
             or re.fullmatch(r"<code>(.*?)</code>", part, flags=re.S) or re.fullmatch(r"`(.+?)`", part))
        if m:
            tokens.append(("lit", plain(m.group(1))))
            continue
        m = re.fullmatch(r"<em>(.*?)</em>", part, flags=re.S) or re.fullmatch(r"\*([^*]+)\*", part)
        if m:
            tokens.append(("em", plain(m.group(1))))
            continue
        tokens.append(("plain", plain(part)))
    return tokens


RANGE = re.compile(r"(-?\d+)\s*[-–]\s*(-?\d+)")


def literal_rule(values, text):
    """A rule for a table that lists literal values."""
    if {v.lower() for v in values} == {"true", "false"}:
        return {"type": "boolean"}
    numbers, ranges = [], []
    for v in values:
        if re.fullmatch(r"-?\d+", v):
            numbers.append(int(v))
        elif RANGE.fullmatch(v):
            ranges.append(tuple(int(x) for x in RANGE.fullmatch(v).groups()))
        else:
            break
    else:
        covered = set(numbers)
        for low, high in ranges:
            covered |= set(range(low, high + 1))
        low, high = min(covered), max(covered)
        if re.search(r"\bcombine these values\b", text) and all(n > 0 and n & (n - 1) == 0 for n in numbers):
            return {"type": "integer", "min": 0, "max": sum(numbers)}  # bit flags
        if covered == set(range(low, high + 1)):
            return {"type": "integer", "min": low, "max": high}
        return {"type": "enum", "values": [str(n) for n in sorted(covered)], "case_sensitive": False}
    unique = []
    for v in values:
        if v.lower() not in [u.lower() for u in unique]:
            unique.append(v)
    return {"type": "enum", "values": unique, "case_sensitive": False}


INTEGER_RANGES = [
    r"\bbetween (-?[\d,]+)(?: \([^)]*\))?\s*(?:and|-|–)\s*(-?[\d,]+)",
    r"\bintegers? (?:value )?from (-?[\d,]+)(?: \([^)]*\))? (?:through|to) (-?[\d,]+)",
    r"\brange is (-?[\d,]+)\s*-\s*(-?[\d,]+)",
    r"\bvalues range from (-?[\d,]+)(?: \([^)]*\))? to (-?[\d,]+)",
    r"\bminimum is (-?[\d,]+) ?\. The Maximum is (-?[\d,]+)",
]
STRING_WORDS = re.compile(r"\b(?:is|be|specify) an? (?:string|substring)\b|\bis a string value\b|\bare strings\b|"
                          r"\bstring is based on\b|\bis an? \d+-character string\b|(?:^|\s)String\. ", flags=re.I)
INTEGER_WORDS = re.compile(r"\b(?:is|be|specify) an? (?:[\w-]+ )?integer\b|\bunique integer between\b|"
                           r"\ban integer (?:value|that)\b|\binteger representation\b", flags=re.I)
# Weaker signs of a number, taken only where the page does not call the value a string.
NUMBER_HINTS = re.compile(r"\bSpecifies (?:the|a) number (?:of|for)\b|\b(?:in|of) (?:milliseconds|megabytes|MB)\b|"
                          r"\bThe default (?:value|setting) is \d+ ?\.|\bminimum acceptable value is \d+\b")


def prose_rule(text, type_hint):
    """A rule from the words of a Values section."""
    is_string = STRING_WORDS.search(text)
    is_integer = not is_string and INTEGER_WORDS.search(text)
    if not is_string and not is_integer:
        if re.search(r"\bThis string type\b", text):
            is_string = True
        elif NUMBER_HINTS.search(text) or any(re.search(p, text, flags=re.I) for p in INTEGER_RANGES):
            is_integer = True
        elif type_hint == "string":
            is_string = True
    if is_string:
        rule = {"type": "string", "max_length": None}
        m = (re.search(r"(?<!recommended )maximum (?:length |value )?of ([\d,]+) (?:characters|bytes)", text)
             or re.search(r"\bis an? (\d+)-character string\b", text))
        if m:
            rule["max_length"] = number(m.group(1))
        if re.search(r"\bminimum length of 1 character\b", text):
            rule["allow_empty"] = False
        return rule
    if is_integer:
        rule = {"type": "integer", "min": None, "max": None}
        for pattern in INTEGER_RANGES:
            m = re.search(pattern, text, flags=re.I)
            if m:
                rule["min"], rule["max"] = number(m.group(1)), number(m.group(2))
                break
        else:
            m = (re.search(r"\b(?:starts? with|is a relative) (\d)(?:-based)?\b", text)
                 or re.search(r"\bminimum acceptable value is (\d+)\b", text))
            if m:
                rule["min"] = int(m.group(1))
        return rule
    if type_hint == "boolean":
        return {"type": "boolean"}
    return None


def value_rule(parts):
    """What a value page's Values section says its setting may hold, or None."""
    section = parts.get("values") or parts.get("value") or ""
    type_hint = plain(parts.get("type", "")).lower() or None
    text = plain(section)
    rows = [r for r in table_rows(section) if r and plain(r[0])]
    rule = None
    tokens = [first_cell_tokens(r[0]) for r in rows]
    if any(t[0][0] == "link" for t in tokens):
        return None  # a table of child settings, not of values
    described = " ".join(plain(" ".join(r[1:])) for r in rows)
    if len(rows) >= 2:
        values = [text_ for row in tokens for style, text_ in row
                  if text_ and text_.upper() != "NULL" and not text_.startswith("(")]
        rule = literal_rule(values, text)
    elif len(rows) == 1 and all(t[1].lower() in ("true", "false") for t in tokens[0]):
        rule = {"type": "boolean"}
    else:
        rule = prose_rule(text, type_hint)
    if rule is None:
        return None
    if "allow_empty" in rule:
        pass
    elif re.search(r"\bdoes not support empty elements\b", text):
        rule["allow_empty"] = False
    elif re.search(r"\bsupports empty elements\b", text):
        rule["allow_empty"] = True
    return rule


def agree_with_examples(rule, examples, where):
    """The rule, loosened where the page's own XML examples break it (the reference then disagrees with itself)."""
    for example in examples:
        if rule["type"] == "boolean" and example.lower() not in ("true", "false"):
            print(f"{where}: example {example!r} is not boolean; value left untyped", file=sys.stderr)
            return None
        if rule["type"] == "enum" and example.lower() not in [v.lower() for v in rule["values"]]:
            print(f"{where}: example {example!r} is not in {rule['values']}; value left a string", file=sys.stderr)
            return {"type": "string", "max_length": None}
        if rule["type"] == "integer":
            if not re.fullmatch(r"-?\d+", example):
                print(f"{where}: example {example!r} is not an integer; value left untyped", file=sys.stderr)
                return None
            for bound, broken in (("min", lambda b: int(example) < b), ("max", lambda b: int(example) > b)):
                if rule[bound] is not None and broken(rule[bound]):
                    print(f"{where}: example {example} breaks {bound} {rule[bound]}; bound dropped", file=sys.stderr)
                    rule = dict(rule, **{bound: None})
        if rule["type"] == "string" and rule["max_length"] is not None and len(example) > rule["max_length"]:
            print(f"{where}: example {example!r} is longer than {rule['max_length']}; limit dropped", file=sys.stderr)
            rule = dict(rule, max_length=None)
    return rule


UNIQUE = re.compile(r"\bSpecifies (?:a|the) unique\b|\bmust be unique\b|\bunique (?:key|value|string|integer|ID) for\b")


HIERARCHY_LINK = re.compile(r"\[([^\]]+)\]\(?([^)\s|]+?)(?:\.md)?\)")


class Page:
    """One page of the reference: its title, the page of its immediate parent, its passes and its shape."""

    def __init__(self, base, text):
        self.base = base
        self.title = title(text)
        parts = sections(text)
        self.parts = parts
        self.text = text
        hierarchy = next((v for k, v in parts.items() if k.startswith("parent hierarchy")), None)
        line = next((l for l in (hierarchy or "").splitlines() if "|" in l or "**" in l), "")
        links = HIERARCHY_LINK.findall(line)
        # The immediate parent is the last link; the first names the component, which some pages get wrong.
        self.parent = links[-1][1].rsplit("/", 1)[-1].lower() if links else None
        self.parent_text = links[-1][0].strip() if links else None
        passes_text = next((v for k, v in parts.items() if k.startswith("valid configuration pass")), "")
        self.passes = sorted({PASS_BY_LOWER[w.lower()] for w in re.findall(r"[A-Za-z]+", passes_text)
                              if w.lower() in PASS_BY_LOWER}, key=PASSES.index)
        code = "\n".join(re.findall(r"```.*?\n(.*?)```", text, flags=re.S))
        self.code = code
        leaf = re.escape(self.title or "")
        if self.title and re.search(rf"<{leaf}\b[^>]*wcm:action\s*=", code):
            self.kind = "list-item"
        elif any(k.startswith(("child elements", "in this section")) for k in parts):
            self.kind = "container"
        else:
            self.kind = "value"
        self.keyed = bool(self.title and re.search(rf"<{leaf}\b[^>]*wcm:keyValue\s*=", code))
        self.value = value_rule(parts) if self.kind == "value" else None
        if self.value:
            examples = [v.strip() for v in re.findall(rf"<{leaf}(?:\s[^>]*)?>([^<]*)</{leaf}>", code)]
            self.value = agree_with_examples(self.value, examples, base)
        values_text = plain(parts.get("values") or parts.get("value") or "")
        self.says_unique = bool(UNIQUE.search(values_text))
        # Said of the page's own setting in its opening lines (a container's table says it of its children).
        intro = re.split(r"^## ", text.split("\n# ", 1)[-1], maxsplit=1, flags=re.M)[0]
        self.server_only = "applies only to the Windows Server editions" in plain(intro)


def full_path(page, pages, seen=()):
    """[component, setting, child, …] for a setting page, following immediate parents up to the component page."""
    if page.parent is None:
        return None
    parent = pages.get(page.parent)
    if parent is None or parent.base in seen:
        return [page.parent_text, page.title]
    if parent.parent is None:
        return [parent.title, page.title]
    above = full_path(parent, pages, seen + (page.base,))
    return above + [page.title] if above else None


def decoded_examples(pages, container):
    """What the reference's XML examples of a password container decode to, where PlainText is false."""
    found = set()
    pattern = re.compile(rf"<{re.escape(container)}>\s*<Value>([A-Za-z0-9+/=]+)</Value>\s*"
                         rf"<PlainText>false</PlainText>")
    for page in pages.values():
        for encoded in pattern.findall(page.code):
            try:
                found.add(base64.b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-16-le"))
            except (ValueError, UnicodeDecodeError):
                pass
    return found


def password_suffix(container, examples):
    """The container's name, shortened to what every example of it ends with (the reference's example for
    OfflineAdministratorPassword decodes to "pwAdministratorPassword")."""
    suffix = container
    for example in examples:
        while suffix and not example.endswith(suffix):
            suffix = suffix[1:]
        suffix = suffix[suffix.find(next((c for c in suffix if c.isupper()), "")):] if suffix else suffix
    return suffix or container


def time_zone_table(text):
    ids = set()
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.strip().startswith("|") and len(cells) >= 4 and re.fullmatch(r"[A-Z]{2}", cells[1]):
            ids.add(cells[2])
    return sorted(ids)


def language_table(text):
    tags = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.strip().startswith("|") and len(cells) >= 2:
            m = re.match(r"([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})+)\b", cells[1])
            if m and m.group(1) not in tags:
                tags.append(m.group(1))
    return sorted(tags, key=str.lower)


def windows_zone_ids(text):
    """The Windows zone IDs of CLDR's windowsZones.xml (mapZone other="…") or of tzlocal's win_tz dictionary."""
    found = set(re.findall(r'<mapZone other="([^"]+)"', text))
    if not found:
        block = text.split("win_tz = {", 1)[1].split("}", 1)[0]
        found = set(re.findall(r'^\s*"([^"]+)": "', block, flags=re.M))
    if not found:
        sys.exit("--windows-zones: no Windows zone IDs found")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--git-dir")
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--folder")
    parser.add_argument("--source-note", default="")
    parser.add_argument("--windows-zones",
                        help="Unicode CLDR's windowsZones.xml, or tzlocal's windows_tz.py generated from it: every "
                             "Windows time zone ID, so that TimeZone's list is complete")
    args = parser.parse_args()
    if args.git_dir:
        raw_pages = list(pages_from_git(args.git_dir, args.rev))
        commit = git(args.git_dir, "rev-parse", args.rev).decode().strip()
        source = f"{FOLDER} at commit {commit}"
        other = lambda path: file_from_git(args.git_dir, args.rev, path)
        where = lambda path: f"{path} at commit {commit}"
    elif args.folder:
        raw_pages = list(pages_from_folder(args.folder))
        source = args.source_note or args.folder
        other = lambda path: file_from_folder(args.folder, path)
        where = lambda path: f"{path} ({source})"
    else:
        parser.error("give --git-dir or --folder")

    page_texts = {name.rsplit("/", 1)[-1].lower(): text for name, text in raw_pages}
    pages = {p.base: p for p in (Page(name.rsplit("/", 1)[-1][:-3].lower(), text) for name, text in raw_pages)
             if p.title}
    components, origins = {}, {}
    for page in pages.values():
        path = full_path(page, pages)
        if not path:
            continue
        settings = components.setdefault(path[0], {})
        key = "/".join(path[1:])
        entry = settings.setdefault(key, {"passes": [], "kind": page.kind})
        entry["passes"] = sorted(set(entry["passes"]) | set(page.passes), key=PASSES.index)
        if page.kind == "list-item":
            entry["kind"] = page.kind
        if page.keyed:
            entry["keyed"] = True
        if page.server_only:
            entry["server_only"] = True
        origins.setdefault((path[0], key), []).append(page)

    # Values, read from the pages. Where two pages describe one setting, they must agree.
    for (component, key), from_pages in origins.items():
        entry = components[component][key]
        if entry["kind"] != "value":
            continue
        rules = [p.value for p in from_pages if p.value is not None]
        if rules and all(r == rules[0] for r in rules):
            entry["value"] = rules[0]
        elif rules:
            print(f"pages disagree on {component}/{key}: {rules}", file=sys.stderr)
        # "Specifies a unique key for the IpAddress": unique among the items of the list its parent is one of. Some
        # list items show no wcm:action in their examples and pass for containers, so any parent will do.
        if "/" in key and any(p.says_unique for p in from_pages):
            entry["unique_in_list"] = True

    # Password containers: a container with both Value and PlainText.
    for component, settings in components.items():
        for key, entry in settings.items():
            if entry["kind"] == "value" and key.endswith("/Value") and key[:-6] + "/PlainText" in settings:
                container = key[:-6].rsplit("/", 1)[-1]
                entry["password_suffix"] = password_suffix(container, decoded_examples(pages, container))

    # The hand table, each quote checked against its page.
    for (component, key), (fields, page_path, quote) in HAND.items():
        entry = components.get(component, {}).get(key)
        if entry is None:
            sys.exit(f"HAND names {component}/{key}, which the reference does not have")
        text = page_texts.get(page_path.rsplit("/", 1)[-1].lower())
        if text is None or plain(quote) not in plain(text):
            sys.exit(f"HAND quote for {component}/{key} is not in {page_path}: {quote!r}")
        for field, value in fields.items():
            if field == "value" and entry["kind"] != "value":
                sys.exit(f"HAND gives a value to {component}/{key}, which holds none")
            if entry.get(field) == value:
                print(f"HAND {field} for {component}/{key} repeats what the pages give", file=sys.stderr)
            entry[field] = value

    # Pages that list no pass take them from the settings below them; a component is valid where any setting is.
    catalog = {}
    for component, settings in sorted(components.items()):
        for path, entry in settings.items():
            if not entry["passes"]:
                below = set()
                for other_path, e in settings.items():
                    if other_path.startswith(path + "/"):
                        below |= set(e["passes"])
                entry["passes"] = sorted(below, key=PASSES.index)
        passes = sorted({p for e in settings.values() for p in e["passes"]}, key=PASSES.index)
        catalog[component] = {"passes": passes, "settings": dict(sorted(settings.items()))}

    tables, table_sources = {}, {}
    time_zones_text = other(TIME_ZONES_PAGE)
    if time_zones_text:
        tables["time_zones"] = time_zone_table(time_zones_text)
        table_sources["time_zones"] = {
            "source": where(TIME_ZONES_PAGE),
            "complete": False,
            "note": "The default time zone of each country or region; Windows has more (tzutil /l lists them).",
        }
    if args.windows_zones:
        # CLDR maps every Windows zone ID to IANA zones (supplemental/windowsZones.xml): with it the list is whole.
        zones = windows_zone_ids(open(args.windows_zones, encoding="utf-8").read())
        tables["time_zones"] = sorted(set(tables.get("time_zones", [])) | zones)
        table_sources["time_zones"] = {
            "source": where(TIME_ZONES_PAGE) + "; Unicode CLDR windowsZones (" + args.windows_zones.rsplit("/", 1)[-1] + ")",
            "complete": True,
            "note": "Every Windows time zone ID that CLDR maps, with the reference's default zones.",
        }
    languages_text = other(LANGUAGES_PAGE)
    if languages_text:
        tables["languages"] = language_table(languages_text)
        table_sources["languages"] = {
            "source": where(LANGUAGES_PAGE),
            "complete": True,
            "note": "Language tags of the language packs and language interface packs (LIPs).",
        }
    for component in catalog.values():
        for entry in component["settings"].values():
            value = entry.get("value", {})
            if value.get("values_from") == "time_zones" and table_sources.get("time_zones", {}).get("complete"):
                value.pop("exhaustive", None)
            if "values_from" in value and value["values_from"] not in tables:
                # The list's page is missing: the setting keeps only what its own page says, that it is a string.
                entry["value"] = {"type": "string", "max_length": value.get("max_length"),
                                  **({"allow_empty": value["allow_empty"]} if "allow_empty" in value else {})}

    setting_count = sum(len(c["settings"]) for c in catalog.values())
    document = {
        "about": "Components and settings of Windows answer files, generated by scripts/gen-unattend-catalog.py "
                 "from Microsoft's Unattended Windows Setup Reference (CC BY 4.0, "
                 "https://creativecommons.org/licenses/by/4.0/), as preserved in the public repository "
                 "sfigg/commercialization-public. Each setting has its passes and kind; a value setting may have "
                 "\"value\" (type boolean, integer with min/max, enum with values or values_from a top-level "
                 "table, or string with max_length; allow_empty where the page says; an enum with exhaustive: "
                 "false lists known values, not all), and settings may have \"excludes\" (siblings not to be set "
                 "with it; a boolean sibling counts only when true), \"unique_in_list\" (distinct among the items "
                 "of its list) and \"password_suffix\" (when PlainText is false, Value is base64 of UTF-16LE text "
                 "ending in this suffix). The top-level lists time_zones and languages come from the pages that "
                 "table_sources names (complete: false means known values, not all). Do not edit by hand; "
                 "regenerate.",
        "source": source,
        "passes": PASSES,
        "component_count": len(catalog),
        "setting_count": setting_count,
        "components": catalog,
    }
    document.update(tables)
    if table_sources:
        document["table_sources"] = table_sources
    json.dump(document, sys.stdout, indent=1, ensure_ascii=False, sort_keys=False)
    sys.stdout.write("\n")
    typed = {}
    for component in catalog.values():
        for entry in component["settings"].values():
            if entry["kind"] == "value":
                kind = entry.get("value", {}).get("type", "untyped")
                typed[kind] = typed.get(kind, 0) + 1
    print(f"{len(catalog)} components, {setting_count} settings; value settings by type: "
          + ", ".join(f"{k} {v}" for k, v in sorted(typed.items())), file=sys.stderr)


if __name__ == "__main__":
    main()
