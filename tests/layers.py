#!/usr/bin/env python3
"""The layers of ARCHITECTURE.md, checked from the #include lines.

Each tier may use the tiers before it, never one after it; inside a tier
only the arrows the table names run (one way).  The one table below
gives every src/ folder its tier, its headers in include/sipscope/ (its
doors) and the folders of its own tier it may use.  A header that lives
in src/FOLDER/ is that folder's private header: no file of another
folder includes it (unless the table names it as a door that has not
moved to include/sipscope/ yet).  A file or header the table does not
know fails too, so a new room or door gets its tier when it is made.

Usage: python3 tests/layers.py [ROOT]   exit 0 ok, 1 with file:line of each violation
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")

# The one table: each folder of src/ with its tier (1 util; 2 capture,
# decode, sip; 3 store, track; 4 media, check; 5 ingest; 6 db, export,
# monitor; 7 ui, cli), its doors (its headers in include/sipscope/, or a
# header of its own folder that stands in for one) and the folders of its
# own tier it may use (one way).
LAYERS = {
    "util":    (1, ["sv.h", "hmap.h", "vec.h", "endpoint.h", "alias.h", "conf.h", "base64.h"], []),
    "capture": (2, ["pcap_src.h", "pcap_save.h", "pcapng.h", "hep.h"], ["decode"]),
    "decode":  (2, ["decode.h", "tcp.h", "ws.h", "tls.h"], []),
    "sip":     (2, ["sip.h", "sip_hdr.h", "sdp.h", "identity.h"], []),
    "store":   (3, ["store.h"], []),
    "track":   (3, ["track.h"], ["store"]),
    "media":   (4, ["media.h", "srtp.h", "audio.h", "codec.h", "wav.h"], []),
    "check":   (4, ["check.h"], ["media"]),
    "ingest":  (5, ["ingest.h"], []),
    "db":      (6, ["db.h"], []),
    "export":  (6, ["export.h", "escape.h", "ladder.h", "calllist.h", "flowfmt.h", "audio_out.h"], []),
    "monitor": (6, ["metrics.h", "hooks.h", "alert.h"], ["export"]),
    # the viewer's door (ui_run) is still in src/ui: the UI is not in the library
    "ui":      (7, ["src/ui/ui.h"], []),
    "cli":     (7, [], ["ui"]),
}

# Every header of the table and the folder it belongs to.
OWNER = {}
for folder, (_, doors, _) in LAYERS.items():
    for d in doors:
        OWNER[d if "/" in d else "include/sipscope/" + d] = folder

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def folder_of(rel):
    """The folder of the table a file (path relative to ROOT) belongs to, or None."""
    if rel in OWNER:
        return OWNER[rel]
    parts = rel.split("/")
    if len(parts) == 3 and parts[0] == "src" and parts[1] in LAYERS:
        return parts[1]
    return None


def resolve(rel, name):
    """Path (relative to ROOT) of an #include "name" in file rel, or None."""
    for base in (os.path.dirname(rel), "include"):
        cand = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(os.path.join(ROOT, cand)):
            return cand
    return None


def files():
    for top in ("src", "include"):
        for dirpath, _, names in os.walk(os.path.join(ROOT, top)):
            for n in sorted(names):
                if n.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(dirpath, n), ROOT)


def main():
    bad = 0
    for rel in sorted(files()):
        mine = folder_of(rel)
        if mine is None:
            print(f"{rel}: not in the layer table of tests/layers.py (give its folder or header a tier)")
            bad += 1
            continue
        tier, _, same = LAYERS[mine]
        with open(os.path.join(ROOT, rel), encoding="utf-8", errors="replace") as f:
            for no, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = resolve(rel, m.group(1))
                if target is None:
                    print(f"{rel}:{no}: #include \"{m.group(1)}\": no such header")
                    bad += 1
                    continue
                theirs = folder_of(target)
                if theirs is None:
                    print(f"{rel}:{no}: {target} is not in the layer table of tests/layers.py")
                    bad += 1
                    continue
                their_tier = LAYERS[theirs][0]
                if theirs != mine and target.startswith("src/") and target not in OWNER:
                    print(f"{rel}:{no}: includes {target}, a private header of src/{theirs}: "
                          f"use its door in include/sipscope/")
                    bad += 1
                elif their_tier > tier:
                    print(f"{rel}:{no}: {mine} (tier {tier}) includes {target} of {theirs} "
                          f"(tier {their_tier}): a lower layer uses a higher one")
                    bad += 1
                elif their_tier == tier and theirs != mine and theirs not in same:
                    print(f"{rel}:{no}: {mine} includes {target} of {theirs}, same tier {tier}: "
                          f"not an arrow of the table")
                    bad += 1
    if bad:
        print(f"layers: {bad} violation{'s' if bad != 1 else ''}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
