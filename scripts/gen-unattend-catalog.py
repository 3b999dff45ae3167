#!/usr/bin/env python3
"""Generates data/unattend-catalog.json, the catalog that `tanmatsu render` validates answer files against.

Windows Setup ignores a misspelt or misplaced answer-file setting without a word, and no official schema covers the
settings, so the catalog is made from Microsoft's "Unattended Windows Setup Reference": one Markdown page per
component and setting, each naming the setting's parent hierarchy and its valid configuration passes. That
reference is published under CC BY 4.0 and preserved in the public repositories sfigg/commercialization-public
and gwblok/commercialization-public (folder customize/desktop/unattend).

Usage:
    scripts/gen-unattend-catalog.py --git-dir PATH/TO/commercialization-public/.git [--rev HEAD] > data/unattend-catalog.json
    scripts/gen-unattend-catalog.py --folder PATH/TO/customize/desktop/unattend --source-note "…" > data/unattend-catalog.json
"""
import argparse
import json
import re
import subprocess
import sys

FOLDER = "customize/desktop/unattend"
PASSES = ["windowsPE", "offlineServicing", "generalize", "specialize", "auditSystem", "auditUser", "oobeSystem"]
PASS_BY_LOWER = {p.lower(): p for p in PASSES}


def pages_from_git(git_dir, rev):
    names = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", "--name-only", rev, FOLDER],
                           check=True, capture_output=True, text=True).stdout.split()
    commit = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", rev], check=True, capture_output=True,
                            text=True).stdout.strip()
    for name in names:
        if name.lower().endswith(".md"):
            text = subprocess.run(["git", "--git-dir", git_dir, "show", f"{rev}:{name}"], check=True,
                                  capture_output=True).stdout.decode("utf-8", "replace")
            yield name, text
    pages_from_git.commit = commit


def pages_from_folder(folder):
    import os
    for name in sorted(os.listdir(folder)):
        if name.lower().endswith(".md"):
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                yield name, f.read()


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


HIERARCHY_LINK = re.compile(r"\[([^\]]+)\]\(?([^)\s|]+?)(?:\.md)?\)")


class Page:
    """One page of the reference: its title, the page of its immediate parent, its passes and its shape."""

    def __init__(self, base, text):
        self.base = base
        self.title = title(text)
        parts = sections(text)
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
        leaf = re.escape(self.title or "")
        if self.title and re.search(rf"<{leaf}\b[^>]*wcm:action\s*=", code):
            self.kind = "list-item"
        elif any(k.startswith(("child elements", "in this section")) for k in parts):
            self.kind = "container"
        else:
            self.kind = "value"
        self.keyed = bool(self.title and re.search(rf"<{leaf}\b[^>]*wcm:keyValue\s*=", code))


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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--git-dir")
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--folder")
    parser.add_argument("--source-note", default="")
    args = parser.parse_args()
    if args.git_dir:
        pages = list(pages_from_git(args.git_dir, args.rev))
        source = f"{FOLDER} at commit {pages_from_git.commit}"
    elif args.folder:
        pages = list(pages_from_folder(args.folder))
        source = args.source_note or args.folder
    else:
        parser.error("give --git-dir or --folder")

    pages = {p.base: p for p in (Page(name.rsplit("/", 1)[-1][:-3].lower(), text) for name, text in pages)
             if p.title}
    components = {}
    for page in pages.values():
        path = full_path(page, pages)
        if not path:
            continue
        settings = components.setdefault(path[0], {})
        entry = settings.setdefault("/".join(path[1:]), {"passes": [], "kind": page.kind})
        entry["passes"] = sorted(set(entry["passes"]) | set(page.passes), key=PASSES.index)
        if page.kind == "list-item":
            entry["kind"] = page.kind
        if page.keyed:
            entry["keyed"] = True

    # Pages that list no pass take them from the settings below them; a component is valid where any setting is.
    catalog = {}
    for component, settings in sorted(components.items()):
        for path, entry in settings.items():
            if not entry["passes"]:
                below = set()
                for other, e in settings.items():
                    if other.startswith(path + "/"):
                        below |= set(e["passes"])
                entry["passes"] = sorted(below, key=PASSES.index)
        passes = sorted({p for e in settings.values() for p in e["passes"]}, key=PASSES.index)
        catalog[component] = {"passes": passes, "settings": dict(sorted(settings.items()))}

    setting_count = sum(len(c["settings"]) for c in catalog.values())
    document = {
        "about": "Components and settings of Windows answer files, generated by scripts/gen-unattend-catalog.py "
                 "from Microsoft's Unattended Windows Setup Reference (CC BY 4.0, "
                 "https://creativecommons.org/licenses/by/4.0/), as preserved in the public repository "
                 "sfigg/commercialization-public. Do not edit by hand; regenerate.",
        "source": source,
        "passes": PASSES,
        "component_count": len(catalog),
        "setting_count": setting_count,
        "components": catalog,
    }
    json.dump(document, sys.stdout, indent=1, ensure_ascii=False, sort_keys=False)
    sys.stdout.write("\n")
    print(f"{len(catalog)} components, {setting_count} settings", file=sys.stderr)


if __name__ == "__main__":
    main()
