#!/usr/bin/env python3
"""Generates data/powershell-cmdlets.json: the cmdlets of Windows PowerShell 5.1 on Windows 10/11 Pro that the
post-install scripts may call, with their parameters. The script lint (tests/scripts.rs) refuses any other cmdlet
or parameter, since a misspelt parameter only fails on the terminal, halfway through setting it up.

Sources, both Microsoft's own cmdlet reference (CC BY 4.0), as preserved in public repositories:
  MicrosoftDocs/PowerShell-Docs            reference/5.1/<module>/<cmdlet>.md   (the modules of PowerShell 5.1)
  MicrosoftDocs/windows-powershell-docs    docset/winserver2022-ps/<module>/<cmdlet>.md (Windows' in-box modules,
                                           which Windows 10/11 share with Windows Server 2022)
Each page's SYNTAX blocks and "### -Name" parameter headings give the parameters; the SYNTAX "### Set" headings
give the parameter sets, and each parameter's ```yaml blocks its type, aliases, sets (and whether it is mandatory
in each), accepted values and position. WINDOWS_POWERSHELL_5_1 adds what 5.1 enforces but the pages omit.

Usage:
    scripts/gen-cmdlet-catalog.py --powershell-docs PATH/.git --windows-docs PATH/.git > data/powershell-cmdlets.json
"""
import argparse
import json
import re
import subprocess
import sys

POWERSHELL_MODULES = [
    "CimCmdlets", "Microsoft.PowerShell.Archive", "Microsoft.PowerShell.Core", "Microsoft.PowerShell.Diagnostics",
    "Microsoft.PowerShell.Host", "Microsoft.PowerShell.LocalAccounts", "Microsoft.PowerShell.Management",
    "Microsoft.PowerShell.Security", "Microsoft.PowerShell.Utility",
]
# In-box modules of Windows 10/11 Pro that the scripts have use for.
WINDOWS_MODULES = [
    "Appx", "BitLocker", "Defender", "DISM", "DnsClient", "International", "NetAdapter", "NetConnection",
    "NetSecurity", "NetTCPIP", "pki", "PnpDevice", "PrintManagement", "ScheduledTasks", "SecureBoot", "SmbShare",
    "Storage", "TrustedPlatformModule",
]

# Validations Windows PowerShell 5.1 applies that its reference pages do not state, kept by hand; each entry
# cites where it is documented. "rule": "not-empty" = the parameter rejects $null, "" and an empty array.
WINDOWS_POWERSHELL_5_1 = [
    {"cmdlet": "Start-Process", "parameter": "ArgumentList", "rule": "not-empty",
     "why": "Windows PowerShell 5.1 declares [ValidateNotNullOrEmpty] on -ArgumentList: an empty array or empty "
            "string fails parameter binding; removed only in PowerShell 6.1",
     "source": "PowerShell/PowerShell#4520 and PR #6597"},
    {"cmdlet": "Start-Process", "parameter": "WorkingDirectory", "rule": "not-empty",
     "why": "StartProcessCommand declares [ValidateNotNullOrEmpty] on -WorkingDirectory (PR #6597 lifted it from "
            "-ArgumentList only): an empty string fails parameter binding",
     "source": "PowerShell/PowerShell src/Microsoft.PowerShell.Commands.Management/commands/management/Process.cs"},
    {"cmdlet": "New-ScheduledTaskAction", "parameter": "WorkingDirectory", "rule": "not-empty",
     "why": "Windows PowerShell 5.1 rejects an empty -WorkingDirectory: \"Cannot validate argument on parameter "
            "'WorkingDirectory'. The argument is null or empty\" (ParameterArgumentValidationError,"
            "New-ScheduledTaskAction)",
     "source": "NH5pml30/for-asus-bright-ctrl#5"},
    {"cmdlet": "Register-ScheduledTask", "parameter": "Action", "rule": "not-empty",
     "why": "Windows PowerShell 5.1 rejects a null or empty -Action: \"Cannot validate argument on parameter 'Action'. "
            "The argument is null or empty\" (ParameterArgumentValidationError,Register-ScheduledTask)",
     "source": "NH5pml30/for-asus-bright-ctrl#5"},
]


def git(git_dir, *args):
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True, capture_output=True).stdout


def pages(git_dir, folder):
    names = git(git_dir, "ls-tree", "-r", "--name-only", "HEAD", folder).decode().split("\n")
    for name in names:
        stem = name.rsplit("/", 1)[-1][:-3] if name.endswith(".md") else ""
        if re.fullmatch(r"[A-Z][A-Za-z]+-[A-Za-z0-9]+", stem):
            yield stem, git(git_dir, "show", f"HEAD:{name}").decode("utf-8", "replace")


COMMON_SET = "__AllParameterSets"


def section(text, title):
    match = re.search(rf"^## {title}\s*$(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    return match.group(1) if match else ""


def syntax_sets(text):
    """The parameter sets of the SYNTAX section in page order, the default set (or None) and, for each set,
    the parameter names its code blocks mention."""
    sets, default, current = {}, None, None
    for heading, block in re.findall(r"^###\s+(.*?)\s*$|```[^\n]*\n(.*?)```", section(text, "SYNTAX"),
                                     flags=re.M | re.S):
        if heading:
            # "Path (Default) - FileSystem provider": sets documented once per provider are one set.
            named = re.fullmatch(r"(.*?)(\s*\(Default\))?(\s+-\s+[\w ]*providers?)?", heading, flags=re.I)
            current = next((s for s in sets if s.lower() == named.group(1).lower()), named.group(1))
            if named.group(2):
                default = current
            sets.setdefault(current, set())
        else:
            names = set(re.findall(r"(?<![\w-])-([A-Za-z][A-Za-z0-9]*)", block))
            sets.setdefault(current or COMMON_SET, set()).update(names)
    if len(sets) == 1 and default is None:
        default = next(iter(sets))
    return sets, default


def yaml_fields(block):
    fields = {}
    for line in block.split("\n"):
        match = re.match(r"\s*([A-Za-z][A-Za-z ]*?)\s*:\s*(.*?)\s*$", line)
        if match:
            fields.setdefault(match.group(1).lower(), match.group(2))
    return fields


def short_type(text):
    """"System.Management.Automation.PSCredential" -> "PSCredential", as the SYNTAX blocks and the Windows
    reference spell types."""
    return re.sub(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)", r"\1", text) or None


def required_by_set(text, sets):
    """"True", "False" or "True (A, B), False (C)" -> {set: mandatory}."""
    listed = re.findall(r"(True|False)\s*\(([^)]*)\)", text, flags=re.I)
    if listed:
        return {name.strip(): flag.lower() == "true" for flag, names in listed for name in names.split(",")
                if name.strip()}
    mandatory = text.lower().startswith("true")
    return {name: mandatory for name in sets}


def parameters(text, problems):
    sets, default = syntax_sets(text)
    order = list(sets)
    documented = {}
    body = section(text, "PARAMETERS")
    for name, chunk in re.findall(r"^###\s+-([A-Za-z][A-Za-z0-9]*)\s*$(.*?)(?=^##|\Z)", body, flags=re.M | re.S):
        entry = documented.setdefault(name, {"type": None, "aliases": [], "sets": {}, "accepted_values": None,
                                             "position": None})
        blocks = re.findall(r"```ya?ml[^\n]*\n(.*?)```", chunk, flags=re.S | re.I)
        if not blocks:
            problems.append(f"-{name}: no yaml block")
        for block in blocks:
            fields = yaml_fields(block)
            if entry["type"] is None and fields.get("type"):
                entry["type"] = short_type(fields["type"])
            for alias in re.split(r"\s*,\s*", fields.get("aliases", "")):
                if alias and alias.lower() != "none" and alias not in entry["aliases"]:
                    entry["aliases"].append(alias)
            accepted = [v for v in re.split(r"\s*,\s*", fields.get("accepted values", "")) if v]
            if accepted and entry["accepted_values"] is None:
                entry["accepted_values"] = accepted
            named = [s for s in re.split(r"\s*,\s*", fields.get("parameter sets", "(All)")) if s]
            all_sets = named == ["(All)"] or named == ["All"] and "all" not in (s.lower() for s in order)
            if all_sets or order == [COMMON_SET]:
                named = order
            # Set names are case-insensitive ("class" in a yaml block, "Class" in SYNTAX).
            in_sets = [next((s for s in order if s.lower() == n.lower()), n) for n in named]
            for set_name in in_sets:
                if set_name not in sets:
                    # The page names a set its SYNTAX section does not have: keep it, but say so.
                    problems.append(f"-{name}: parameter set {set_name!r} not in SYNTAX")
                    sets[set_name] = set()
                    order.append(set_name)
            for set_name, mandatory in required_by_set(fields.get("required", "False"), in_sets).items():
                set_name = next((s for s in order if s.lower() == set_name.lower()), set_name)
                if set_name not in sets:
                    # "Required: True (A), False (B)" may name sets its "Parameter Sets:" line left out.
                    problems.append(f"-{name}: Required names set {set_name!r}, not in SYNTAX")
                    continue
                entry["sets"][set_name] = entry["sets"].get(set_name, False) or mandatory
            position = fields.get("position", "")
            if entry["position"] is None and re.fullmatch(r"\d+", position):
                entry["position"] = int(position)
    # Every "### -Name" heading on the page counts, even outside PARAMETERS.
    headings = set(re.findall(r"^###\s+-([A-Za-z][A-Za-z0-9]*)\s*$", text, flags=re.M))
    result = {}
    for name in sorted(set(documented) | headings | {n for names in sets.values() for n in names}):
        # Parameter names are case-insensitive: "-context" in SYNTAX is the "### -Context" documented below.
        twin = next((n for n in sorted(documented) if n.lower() == name.lower()), None)
        if twin:
            entry = documented[twin]
            in_sets = entry["sets"]
        else:
            entry = {"type": None, "aliases": [], "accepted_values": None, "position": None}
            in_sets = {s: False for s in order if name in sets[s]}
        result[name] = {"type": entry["type"], "aliases": list(entry["aliases"]),
                        "sets": {s: in_sets[s] for s in order if s in in_sets},
                        "accepted_values": entry["accepted_values"], "position": entry["position"]}
    return order, default, result


def commit(git_dir):
    return git(git_dir, "rev-parse", "HEAD").decode().strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--powershell-docs", required=True)
    parser.add_argument("--windows-docs", required=True)
    args = parser.parse_args()
    cmdlets = {}
    sources = [(args.powershell_docs, f"reference/5.1/{m}", m) for m in POWERSHELL_MODULES]
    sources += [(args.windows_docs, f"docset/winserver2022-ps/{m}", m) for m in WINDOWS_MODULES]
    problems = []
    for git_dir, folder, module in sources:
        for name, text in pages(git_dir, folder):
            page_problems = []
            sets, default, params = parameters(text, page_problems)
            if not sets:
                page_problems.append("no SYNTAX code block")
            problems += [f"{name}: {p}" for p in page_problems]
            cmdlets[name] = {"module": module, "parameter_sets": sets, "default_set": default,
                             "parameters": params}
    document = {
        "about": "Cmdlets of Windows PowerShell 5.1 on Windows 10/11 Pro and their parameters, generated by "
                 "scripts/gen-cmdlet-catalog.py from Microsoft's cmdlet reference (CC BY 4.0) as preserved in "
                 "MicrosoftDocs/PowerShell-Docs and MicrosoftDocs/windows-powershell-docs. Do not edit by hand. "
                 "Per cmdlet: its parameter sets in page order (\"__AllParameterSets\" for a page with one unnamed "
                 "syntax block) and the default set; per parameter: its type (short .NET name, null when the page "
                 "only names it in SYNTAX), aliases, the sets it belongs to mapped to whether it is mandatory there, "
                 "its accepted values (or null) and its position (null when named). Common parameters are not "
                 "listed. \"windows_powershell_5_1\" lists validations Windows PowerShell 5.1 applies that the "
                 "reference does not state, each with its source.",
        "sources": {
            "PowerShell-Docs": commit(args.powershell_docs),
            "windows-powershell-docs": commit(args.windows_docs),
        },
        "windows_powershell_5_1": WINDOWS_POWERSHELL_5_1,
        "cmdlets": dict(sorted(cmdlets.items())),
    }
    json.dump(document, sys.stdout, indent=1)
    sys.stdout.write("\n")
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    print(f"{len(cmdlets)} cmdlets, {len(problems)} warnings", file=sys.stderr)


if __name__ == "__main__":
    main()
