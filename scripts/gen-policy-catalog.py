#!/usr/bin/env python3
"""Generates data/policy-catalog.json: the Windows registry values (under HKEY_LOCAL_MACHINE) that Windows, Microsoft
Edge and the other software the post-install scripts configure actually read, with their types and, where the source
states registry data, the values they accept. A test compares every value the PowerShell templates write or read
with it, since a misspelt value name (AllowDeviceInstanceIDs for the ADMX's AllowInstanceIDs) is accepted by the
registry without a word and then ignored by Windows.

Sources:
  MicrosoftDocs/windows-itpro-docs   windows/client-management/mdm/policy-csp-<area>.md (ITPRO_PAGES): the Policy CSP
                                     reference. Each policy's "**ADMX mapping**:" or "**Group policy mapping**:" table
                                     gives its Registry Key Name and Registry Value Name. The tables give no type,
                                     so "type" is null, and "allowed" is null because the pages' "Allowed values" are
                                     CSP values, not registry data. Where a policy's SyncML example passes an ADMX
                                     list element as an indexed list (<Data id="…_List" value="1&#xF000;…">), the
                                     list is also a subkey of the same name holding values 1, 2, 3 …: "type": "list".
                                     Rows without a value name (ADMX elements the page does not name), rows for
                                     User Configuration and SOFTWARE\\WOW6432Node\\Policies keys (HKLM\\SOFTWARE\\
                                     Policies is shared under WOW64, so nothing reads the WOW6432Node copy) are left
                                     out.
  MicrosoftDocs/Edge-Enterprise      edgeenterprise/microsoft-edge-policies.md, all Microsoft Edge policies: each
                                     policy's "Windows Registry Settings" (Path (Mandatory) / (Recommended), Value
                                     Name, Value Type: REG_DWORD, REG_SZ or "list of REG_SZ", which becomes "list":
                                     the subkey named after the policy, under the path's parent key) and "Data
                                     Type". "allowed": [0, 1] for a Boolean, the integers (or strings) of "Policy
                                     options mapping" for an enumeration; for a list it constrains each item.
                                     "managed_only" is true where the description says the policy is "available only
                                     on Windows instances that are joined to a Microsoft Active Directory domain"
                                     (Edge ignores it on other devices).
                                     edgeenterprise/microsoft-edge-update-policies.md, the Microsoft Edge Update
                                     policies (SOFTWARE\\Policies\\Microsoft\\EdgeUpdate), read the same way.
  HAND_KEPT (below)                  values no machine-readable source covers, each with its citation (URL or
                                     documentation repository path, and a quote), or "unverified: …" where none was
                                     found. "*" as a name means any value name, "\\*" ending a key any subkey.

Microsoft's documentation is published under CC BY 4.0 (Creative Commons Attribution 4.0 International); the
catalog records which file (and commit) every value comes from.

Each value: {"key", "name", "type", "allowed", "managed_only", "policy", "source"}; "key" is relative to
HKEY_LOCAL_MACHINE and spelled as the source spells it. A key and name may appear twice with different types (a
REG_DWORD flag and the "list" subkey of the same name). The list is sorted by key, name (both case-insensitively)
and type.

Usage:
    scripts/gen-policy-catalog.py --itpro-docs PATH [--itpro-commits FILE.json] \\
        --edge-docs PATH/Edge-Enterprise.git > data/policy-catalog.json
PATH for --itpro-docs is either a git directory of MicrosoftDocs/windows-itpro-docs (its HEAD is read and each
file's last commit recorded) or a directory holding the pages under their repository paths (a work tree of a clone,
whose git history then gives the commits, or copies of the pages, with FILE.json mapping each path to the commit it
was taken from).
"""
import argparse
import json
import os
import re
import subprocess
import sys

ITPRO_PAGES = [
    "windows/client-management/mdm/policy-csp-admx-deviceinstallation.md",
    "windows/client-management/mdm/policy-csp-admx-microsoftdefenderantivirus.md",
    "windows/client-management/mdm/policy-csp-admx-removablestorage.md",
    "windows/client-management/mdm/policy-csp-defender.md",
    "windows/client-management/mdm/policy-csp-deliveryoptimization.md",
    "windows/client-management/mdm/policy-csp-deviceinstallation.md",
    "windows/client-management/mdm/policy-csp-remoteassistance.md",
    "windows/client-management/mdm/policy-csp-remotedesktopservices.md",
    "windows/client-management/mdm/policy-csp-update.md",
]
EDGE_POLICIES = "edgeenterprise/microsoft-edge-policies.md"
EDGE_UPDATE_POLICIES = "edgeenterprise/microsoft-edge-update-policies.md"

ADOBE_GLOSSARY = ("https://www.adobe.com/devnet-docs/acrobatetk/tools/PrefRef/Windows/glossary.html — \"Lock Path: "
                  "These are paths to system level preferences that require administrator permissions to change. "
                  "… Windows 32-bit: HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Adobe\\(product name)\\(version)\\"
                  "FeatureLockDown\\\"")
ADOBE_KEYS = ["SOFTWARE\\Policies\\Adobe\\Acrobat Reader\\DC\\FeatureLockDown",
              "SOFTWARE\\Policies\\Adobe\\Adobe Acrobat\\DC\\FeatureLockDown"]
WINLOGON = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon"
AUTOLOGON_KB = ("MicrosoftDocs/SupportArticles-docs support/windows-server/user-profiles-and-logon/"
                "turn-on-automatic-logon.md@01d0b8028cdbe1c3213f563cf9c565ce75da9ce5 (learn.microsoft.com/"
                "troubleshoot/windows-server/user-profiles-and-logon/turn-on-automatic-logon, KB 324737)")
I8042_KB = ("Microsoft KB 927824 \"Windows may not use the correct keyboard layout when you connect a USB keyboard "
            "to the computer\" (archived at https://www.betaarchive.com/wiki/index.php?title=Microsoft_KB_Archive/"
            "927824 and quoted at http://archives.miloush.net/michkap/archive/2012/04/30/10298801.html) — "
            "\"HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\i8042prt\\Parameters … Value name | Value "
            "type | Value data … LayerDriver JPN | REG_SZ | kbd101.dll … OverrideKeyboardIdentifier | REG_SZ | "
            "PCAT_101KEY … OverrideKeyboardSubtype | DWORD | 0 … OverrideKeyboardType | DWORD | 7\"")
W32TIME = ("MicrosoftDocs/windowsserverdocs WindowsServerDocs/networking/windows-time-service/"
           "Windows-Time-Service-Tools-and-Settings.md@048f945a6efbbbdbfa1da287c0ae076fd60d1228 (W32Time registry "
           "entries, Parameters tab)")
UNVERIFIED_VERSION = ("unverified: no Microsoft reference page found for the values of HKLM\\SOFTWARE\\Microsoft\\"
                      "Windows NT\\CurrentVersion that describe the running Windows (only third-party ones, e.g. "
                      "pub.dev device_info_plus WindowsDeviceInfo: \"Value of HKEY_LOCAL_MACHINE\\SOFTWARE\\"
                      "Microsoft\\Windows NT\\CurrentVersion\\DisplayVersion registry key\")")
WOW64 = ("MicrosoftDocs/win32 desktop-src/WinProg64/shared-registry-keys.md@0518673d1c7ec8a48ffa893058a4c2a7944e4a11 "
         "(\"Registry Keys Affected by WOW64\") — \"HKEY_LOCAL_MACHINE\\SOFTWARE | Redirected | Redirected\" … "
         "\"Wow6432Node, the redirected registry location for x86 processes running on AMD64 Windows "
         "installations\"")
UNINSTALL = ("MicrosoftDocs/win32 desktop-src/Msi/uninstall-registry-key.md@0180b6dbcaa133e58745702bf0ebefa871ee151b "
             "(\"Uninstall Registry Key\") — \"the values written under the registry key: HKEY_LOCAL_MACHINE\\"
             "Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall. The values are stored in a subkey identified "
             "by the application's product code GUID.\"")

# Values that no machine-readable source covers. "source" is the citation (the catalog prefixes it with
# "hand-kept: "), or "unverified: …" where no citation was found.
HAND_KEPT = [
    *[{"key": key, "name": "bDisableJavaScript", "type": "REG_DWORD", "allowed": None,
       "source": "https://www.adobe.com/devnet-docs/acrobatetk/tools/PrefRef/Windows/JSPrefs.html — "
                 "\"bDisableJavaScript Specifies whether to globally disable and lock JavaScript execution. … Data "
                 "type boolean: DWORD value > REG_DWORD … HKLM Path FeatureLockDown\\bDisableJavaScript\"; "
                 + ADOBE_GLOSSARY} for key in ADOBE_KEYS],
    *[{"key": key, "name": "bUpdater", "type": "REG_DWORD", "allowed": None,
       "source": "https://www.adobe.com/devnet-docs/acrobatetk/tools/AdminGuide/services.html — "
                 "\"cServices\\bUpdater prevents web service plugins from updating and also disables all services. "
                 "The setting is not the same as FeatureLockdown\\bUpdater (same name but different location).\" "
                 "(the type is that page's for the cServices namesake: \"bUpdater\"=dword:00000000); "
                 + ADOBE_GLOSSARY} for key in ADOBE_KEYS],
    *[{"key": key, "name": "bUsageMeasurement", "type": "REG_DWORD", "allowed": None,
       "source": "unverified: Adobe's Preference Reference documents the lockable UsageMeasurement only on its "
                 "Macintosh page (https://www.adobe.com/devnet-docs/acrobatetk/tools/PrefRef/Macintosh/"
                 "UsageMeasurement.html — \"UsageMeasurement For Acrobat, specifies whether to send usage "
                 "measurement data back to Adobe … Data type 0 (bool) … Lock Path FeatureLockDown\"); the Windows "
                 "name bUsageMeasurement follows its Hungarian-notation rule but was not seen on a Windows page"}
      for key in ADOBE_KEYS],
    {"key": "SYSTEM\\CurrentControlSet\\Control\\Terminal Server", "name": "fDenyTSConnections", "type": None,
     "allowed": [0, 1],
     "source": "https://support.microsoft.com/en-us/topic/2c01dc5b-565b-9884-5f46-cf877e133774 — \"set the "
               "fDenyTSConnections registry value to 0 … This setting is controlled by the following registry "
               "subkey: HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server fDenyTSConnections "
               "When this value is set to 1, no connections are allowed.\""},
    {"key": "SYSTEM\\CurrentControlSet\\Control\\Remote Assistance", "name": "fAllowToGetHelp", "type": None,
     "allowed": None,
     "source": "unverified: no Microsoft page found naming HKLM\\SYSTEM\\CurrentControlSet\\Control\\Remote "
               "Assistance!fAllowToGetHelp (the policy value of the same name is under SOFTWARE\\Policies\\"
               "Microsoft\\Windows NT\\Terminal Services, policy-csp-remoteassistance.md)"},
    {"key": "SYSTEM\\CurrentControlSet\\Services\\i8042prt\\Parameters", "name": "LayerDriver JPN", "type": "REG_SZ",
     "allowed": None, "source": I8042_KB},
    {"key": "SYSTEM\\CurrentControlSet\\Services\\i8042prt\\Parameters", "name": "OverrideKeyboardIdentifier",
     "type": "REG_SZ", "allowed": None, "source": I8042_KB},
    {"key": "SYSTEM\\CurrentControlSet\\Services\\i8042prt\\Parameters", "name": "OverrideKeyboardSubtype",
     "type": "REG_DWORD", "allowed": None, "source": I8042_KB},
    {"key": "SYSTEM\\CurrentControlSet\\Services\\i8042prt\\Parameters", "name": "OverrideKeyboardType",
     "type": "REG_DWORD", "allowed": None, "source": I8042_KB},
    {"key": WINLOGON, "name": "AutoAdminLogon", "type": "REG_SZ", "allowed": ["0", "1"],
     "source": "https://technet.microsoft.com/library/cc939702.aspx (Windows 2000 Registry Reference) — "
               "\"AutoAdminLogon HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon Data type Range "
               "Default value REG_SZ 0 | 1 0\"; " + AUTOLOGON_KB + " — \"On the Edit menu, click New, and then "
               "point to String Value. Type AutoAdminLogon\""},
    {"key": WINLOGON, "name": "DefaultUserName", "type": "REG_SZ", "allowed": None,
     "source": AUTOLOGON_KB + " — \"Locate the HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\"
               "CurrentVersion\\Winlogon subkey … Double-click the DefaultUserName entry, type your user name\"; "
               "https://techshelps.github.io/MSDN/DNWINNT/HTML/D1E/S8554.HTM (\"Registry Entries for Winlogon\") — "
               "\"DefaultUserName REG_SZ Username\""},
    {"key": WINLOGON, "name": "DefaultPassword", "type": "REG_SZ", "allowed": None,
     "source": AUTOLOGON_KB + " — \"If the DefaultPassword value does not exist, it must be added. "
               "… On the Edit menu, click New, and then point to String Value. Type DefaultPassword\""},
    {"key": WINLOGON, "name": "DefaultDomainName", "type": "REG_SZ", "allowed": None,
     "source": "https://technet.microsoft.com/library/cc939702.aspx — \"Automatic logon requires that the "
               "DefaultDomainName and DefaultUserName entries appear in the registry with valid values.\"; "
               "https://techshelps.github.io/MSDN/DNWINNT/HTML/D1E/S8554.HTM — \"DefaultDomainName REG_SZ Domain "
               "name\""},
    {"key": "SYSTEM\\CurrentControlSet\\Control\\BitLocker", "name": "PreventDeviceEncryption", "type": "REG_DWORD",
     "allowed": [0, 1],
     "source": "MicrosoftDocs/windows-itpro-docs windows/security/operating-system-security/data-protection/"
               "bitlocker/device-encryption.md@b9d16237bdf8a79d28f60de9d45d2afa54b10357 (\"Disable device "
               "encryption\") — \"you can prevent the automatic device encryption process by changing the following "
               "registry setting: | `HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\BitLocker`| "
               "`PreventDeviceEncryption`|REG_DWORD|0x1|\""},
    # The page's "Group policy mapping" table, read by hand: the generator's ITPRO_PAGES do not include the page.
    {"key": "SOFTWARE\\Policies\\Microsoft\\Windows\\OOBE", "name": "DisablePrivacyExperience", "type": None,
     "allowed": None,
     "source": "MicrosoftDocs/windows-itpro-docs windows/client-management/mdm/policy-csp-privacy.md (search-index "
               "file id 5743164305), DisablePrivacyExperience — \"| 1 | Don't allow the 'choose privacy settings for "
               "your device' screen when a new user logs in … | Friendly Name | Don't launch privacy settings "
               "experience on user logon | … | Registry Key Name | Software\\Policies\\Microsoft\\Windows\\OOBE | "
               "Registry Value Name | DisablePrivacyExperience | ADMX File Name | OOBE.admx |\""},
    {"key": WINLOGON, "name": "AutoLogonCount", "type": "REG_DWORD", "allowed": None,
     "source": "https://learn.microsoft.com/en-us/windows-hardware/customize/desktop/unattend/"
               "microsoft-windows-shell-setup-autologon-logoncount — \"reg add \\\"HKLM\\SOFTWARE\\Microsoft\\"
               "Windows NT\\CurrentVersion\\Winlogon\\\" /v AutoLogonCount /t REG_DWORD /d 0 /f\""},
    {"key": "SYSTEM\\CurrentControlSet\\Control\\Lsa", "name": "SCENoApplyLegacyAuditPolicy", "type": None,
     "allowed": None,
     "source": "MicrosoftDocs/windows-itpro-docs windows/security/threat-protection/"
               "security-policy-settings/audit-force-audit-policy-subcategory-settings-to-override.md@"
               "1c50fd74ed7377360fff438035855d3cc18f560f — \"the SCENoApplyLegacyAuditPolicy registry value , "
               "prevents the application of category-level audit policy from Group Policy and from the Local "
               "Security Policy administrative tool.\" (the page does not name the key)"},
    {"key": "SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters", "name": "NtpServer", "type": None,
     "allowed": None,
     "source": W32TIME + " — \"NtpServer … 0x8: Client. … The default value on stand-alone clients "
               "and servers is `time.windows.com,0x1`.\""},
    {"key": "SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters", "name": "Type", "type": None,
     "allowed": ["NoSync", "NTP", "NT5DS", "AllSync"],
     "source": W32TIME + " — \"Type | All versions | Indicates which peers to accept synchronization "
               "from: NoSync … NTP: The time service synchronizes with the servers specified in the NtpServer "
               "registry entry. NT5DS … AllSync\""},
    *[{"key": "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", "name": name, "type": None, "allowed": None,
       "source": UNVERIFIED_VERSION}
      for name in ["CurrentBuild", "DisplayVersion", "EditionID", "ProductName", "UBR"]],
    {"key": "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run", "name": "*", "type": None, "allowed": None,
     "source": "MicrosoftDocs/win32 desktop-src/SetupApi/run-and-runonce-registry-keys.md@"
               "0180b6dbcaa133e58745702bf0ebefa871ee151b — \"Run and RunOnce registry keys cause programs to run each "
               "time that a user logs on. The data value for a key is a command line no longer than 260 characters. "
               "Register programs to run by adding entries of the form description-string=commandline.\""},
    {"key": "HKEY_USERS\\*\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*", "name": "*", "type": None,
     "allowed": None, "source": "unverified: MicrosoftDocs/win32 desktop-src/Msi/configuring-add-remove-programs-with-windows-installer.md \u2014 \"Applications that have been installed in the per-user installation context are displayed in the Add/Remove Programs of the current user.\"; the page names no key: HKEY_USERS\\<SID>\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall is the user's copy of the Uninstall Registry Key (desktop-src/Msi/uninstall-registry-key.md), as Microsoft's msix-packaging AddRemovePrograms.hpp writes it (\"the user's Uninstall key (in HKCU)\")"},
    {"key": "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*", "name": "*", "type": None,
     "allowed": None, "source": UNINSTALL},
    {"key": "SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*", "name": "*", "type": None,
     "allowed": None, "source": UNINSTALL + "; " + WOW64},
    {"key": "Software\\Policies\\Microsoft\\Windows\\DeviceInstall\\Restrictions", "name": "DenyDeviceIDsRetroactive",
     "type": "REG_DWORD", "allowed": [0, 1],
     "source": "the Policy CSP page (policy-csp-deviceinstallation.md, PreventInstallationOfMatchingDeviceIDs) names only "
               "the ADMX element DeviceInstall_IDs_Deny_Retroactive (\"Also apply to matching devices that are already "
               "installed\"), not its value name; public audit scripts of the CIS Microsoft Windows Benchmark, "
               "recommendation 18.9.7.1.3 (that same checkbox), read it as DenyDeviceIDsRetroactive under this key. "
               "Not confirmed from DeviceInstallation.admx itself"},
    {"key": "SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU", "name": "NoAutoUpdate", "type": "REG_DWORD",
     "allowed": [0, 1],
     "source": "MicrosoftDocs/windows-itpro-docs windows/deployment/update/waas-wu-settings.md@"
               "0057f60f49ec35d24db382e86ca5fa45a16b7def — \"Open the following registry key: HKEY_LOCAL_MACHINE\\"
               "SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU … NoAutoUpdate (REG_DWORD): 0: Automatic "
               "Updates is enabled (default). 1: Automatic Updates is disabled.\" (the Policy CSP page maps "
               "Update/AllowAutoUpdate to this key without naming the value)"},
]

TYPES = {"REG_DWORD", "REG_SZ", "REG_EXPAND_SZ", "REG_MULTI_SZ", "REG_QWORD", "REG_BINARY", "list", None}


def git(git_dir, *args):
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True, capture_output=True).stdout


def is_git_dir(path):
    return os.path.isfile(os.path.join(path, "HEAD")) and os.path.isdir(os.path.join(path, "objects"))


def itpro_files(root, commits_file):
    """(path, text, commit) of each ITPRO_PAGES page."""
    commits = {}
    if commits_file:
        with open(commits_file, encoding="utf-8") as f:
            commits = json.load(f)
    for path in ITPRO_PAGES:
        if is_git_dir(root):
            text = git(root, "show", f"HEAD:{path}").decode("utf-8")
            commit = git(root, "log", "-1", "--format=%H", "HEAD", "--", path).decode().strip()
        else:
            with open(os.path.join(root, path), encoding="utf-8", newline="") as f:
                text = f.read()
            commit = commits.get(path)
            if commit is None and os.path.exists(os.path.join(root, ".git")):
                commit = git(os.path.join(root, ".git"), "log", "-1", "--format=%H", "HEAD", "--", path).decode()
                commit = commit.strip() or None
            if commit is None:
                sys.exit(f"no commit known for {path}: pass --itpro-commits")
        yield path, text, commit


def hklm_key(key):
    return re.sub(r"(?i)^(HKEY_LOCAL_MACHINE|HKLM)\\", "", key.strip())


def wow64_policies(key):
    return re.match(r"(?i)software\\wow6432node\\policies(\\|$)", key) is not None


ROW = re.compile(r"^\|\s*([^|]*?)\s*\|\s*(.*?)\s*\|\s*$")
LIST_ELEMENT = re.compile(r"<data id=\"[^\"]+\" value=\"1&#xF000;", re.I)


def itpro_values(path, text):
    area = re.search(r"^# Policy CSP - (\S+)\s*$", text, re.M)
    if not area:
        sys.exit(f"{path}: no '# Policy CSP - <area>' title")
    area = area.group(1)
    source = f"windows-itpro-docs:{path}"
    # Sections: a "## Name" or "### Name" heading (one word: a policy) up to the next such heading.
    headings = [(m.start(), m.group(1)) for m in re.finditer(r"^#{2,3} (\S+)\s*$", text, re.M)]
    out = []
    for i, (start, policy) in enumerate(headings):
        end = headings[i + 1][0] if i + 1 < len(headings) else len(text)
        body = text[start:end]
        for table in re.finditer(r"^\*\*(?:ADMX|Group policy) mapping\*\*:?\s*\n((?:\s*\n)*(?:\|.*\n?)+)", body,
                                 re.M):
            rows = {}
            # The header ("| Name | Value |") and the alignment row come first.
            for line in table.group(1).strip().split("\n")[2:]:
                row = ROW.match(line.strip())
                if row:
                    rows.setdefault(row.group(1), row.group(2))
            key, name = rows.get("Registry Key Name"), rows.get("Registry Value Name")
            if not key or not name or rows.get("Location", "").startswith("User"):
                continue
            key = hklm_key(key)
            if wow64_policies(key):
                continue
            entry = {"key": key, "name": name, "type": None, "allowed": None, "managed_only": False,
                     "policy": f"{area}/{policy}", "source": source}
            out.append(entry)
            if LIST_ELEMENT.search(body):
                out.append({**entry, "type": "list"})
    return out


def description(body, until):
    match = re.search(rf"#### Description\s*\n(.*?)(?=^\s*{until})", body, re.S | re.M)
    return match.group(1) if match else ""


MANAGED_ONLY = re.compile(r"(available only|only available) on Windows instances that are joined to a Microsoft "
                          r"Active Directory domain")


def managed_only(desc):
    return MANAGED_ONLY.search(re.sub(r"&reg;|®", "", desc)) is not None


def options(desc):
    block = re.search(r"Policy options mapping:(.*?)(?:Use the preceding information|\Z)", desc, re.S)
    if not block:
        return []
    return re.findall(r"^\* .* \(([^()]*)\) =", block.group(1), re.M)


def policy_sections(text, heading, next_heading):
    """(policy, its section, its "Windows Registry Settings" block) for each policy of an Edge reference page that
    has such a block; `heading` matches a policy's heading and captures its name."""
    pattern = heading + r"(.*?)(?=" + next_heading + r"|\Z)"
    for m in re.finditer(pattern, text, re.M | re.S):
        policy, body = m.group(1), m.group(2)
        registry = re.search(r"##### Windows Registry Settings\s*\n(.*?)(?=^\s*#####|\Z)", body, re.S | re.M)
        if registry:
            yield policy, body, registry.group(1)


def edge_values(text):
    source = f"Edge-Enterprise:{EDGE_POLICIES}"
    out = []
    for policy, body, registry in policy_sections(text, r"^  ### (\S+)\s*$", r"^  ### "):
        fields = dict(re.findall(r"^\s*- ([^:\n]+): (.*?)\s*$", registry, re.M))
        data_type = re.search(r"#### Data Type:\s*\n\s*- (.+?)\s*$", body, re.M)
        data_type = data_type.group(1) if data_type else None
        value_type = fields.get("Value Type")
        desc = description(body, "#### Supported features")
        opts = options(desc)
        if data_type == "Boolean":
            allowed = [0, 1]
        elif opts and data_type == "Integer":
            allowed = [int(o) for o in opts]
        elif opts:
            allowed = opts
        else:
            allowed = None
        for which in ("Path (Mandatory)", "Path (Recommended)"):
            path = fields.get(which)
            if not path or path == "N/A":
                continue
            key = hklm_key(path)
            if value_type == "list of REG_SZ":
                key, name = key.rsplit("\\", 1)
                kind = "list"
                if fields.get("Value Name") != "1, 2, 3, ...":
                    sys.exit(f"{EDGE_POLICIES} {policy}: list with Value Name {fields.get('Value Name')!r}")
            elif value_type in ("REG_DWORD", "REG_SZ"):
                name, kind = fields["Value Name"], value_type
            else:
                sys.exit(f"{EDGE_POLICIES} {policy}: unknown Value Type {value_type!r}")
            if name != policy:
                sys.exit(f"{EDGE_POLICIES} {policy}: value name {name!r}")
            out.append({"key": key, "name": name, "type": kind, "allowed": allowed,
                        "managed_only": managed_only(desc), "policy": f"Edge/{policy}", "source": source})
    return out


def edge_update_values(text):
    source = f"Edge-Enterprise:{EDGE_UPDATE_POLICIES}"
    out = []
    for policy, body, reg in policy_sections(text, r"^### ([A-Za-z0-9_]+)\s*$", r"^### "):
        path = re.search(r"^- Path: (.+?)\s*$", reg, re.M).group(1)
        value_type = re.search(r"^- Value Type: (.+?)\s*$", reg, re.M).group(1)
        if not re.match(r"(?i)HKEY_LOCAL_MACHINE\\", path):
            continue
        if value_type not in ("REG_DWORD", "REG_SZ"):
            sys.exit(f"{EDGE_UPDATE_POLICIES} {policy}: unknown Value Type {value_type!r}")
        inline = re.search(r"^- Value Name: (\S.*?)\s*$", reg, re.M)
        # Or one per channel ("  - (Stable): Install{GUID}") or element ("  - UpdatesSuppressedStartHour").
        names = [inline.group(1)] if inline else re.findall(r"^\s+- (?:\([^)]*\): )?(\S+)\s*$", reg, re.M)
        if not names:
            sys.exit(f"{EDGE_UPDATE_POLICIES} {policy}: no value name")
        desc = description(body, "#### Windows information and settings")
        for name in names:
            out.append({"key": hklm_key(path), "name": name, "type": value_type, "allowed": None,
                        "managed_only": managed_only(desc), "policy": f"EdgeUpdate/{policy}", "source": source})
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--itpro-docs", required=True,
                        help="git directory of MicrosoftDocs/windows-itpro-docs, or a directory of its pages")
    parser.add_argument("--itpro-commits", help="JSON object: page path -> commit it was copied from")
    parser.add_argument("--edge-docs", required=True, help="git directory of MicrosoftDocs/Edge-Enterprise")
    args = parser.parse_args()

    values, files = [], {}
    for path, text, commit in itpro_files(args.itpro_docs, args.itpro_commits):
        files[path] = commit
        values += itpro_values(path, text)
    edge_commit = git(args.edge_docs, "rev-parse", "HEAD").decode().strip()
    values += edge_values(git(args.edge_docs, "show", f"HEAD:{EDGE_POLICIES}").decode("utf-8"))
    values += edge_update_values(git(args.edge_docs, "show", f"HEAD:{EDGE_UPDATE_POLICIES}").decode("utf-8"))
    values += [{"key": h["key"], "name": h["name"], "type": h["type"], "allowed": h["allowed"],
                "managed_only": False, "policy": None,
                "source": h["source"] if h["source"].startswith("unverified: ") else "hand-kept: " + h["source"]}
               for h in HAND_KEPT]

    catalog, seen = [], set()
    for value in values:
        if value["type"] not in TYPES:
            sys.exit(f"bad type {value['type']!r} for {value['key']}\\{value['name']}")
        ident = (value["key"].lower(), value["name"].lower(), value["type"] or "")
        if ident in seen:  # the same value from a second policy or page: the first one stays
            continue
        seen.add(ident)
        catalog.append(value)
    catalog.sort(key=lambda v: (v["key"].lower(), v["name"].lower(), v["type"] or ""))

    out = {
        "about": "Registry values (relative to HKEY_LOCAL_MACHINE) that Windows, Microsoft Edge and the software the "
                 "post-install scripts configure read, for checking the scripts' value names; generated by "
                 "scripts/gen-policy-catalog.py from Microsoft's Policy CSP reference (windows-itpro-docs), the "
                 "Microsoft Edge and Edge Update policy references (Edge-Enterprise), both CC BY 4.0, and a small "
                 "hand-kept table with citations. Do not edit by hand.",
        "sources": [
            {"name": "windows-itpro-docs", "repository": "MicrosoftDocs/windows-itpro-docs", "files": files},
            {"name": "Edge-Enterprise", "repository": "MicrosoftDocs/Edge-Enterprise", "commit": edge_commit},
            {"name": "hand-kept", "entries": len(HAND_KEPT)},
        ],
        "values": catalog,
    }
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
