#!/usr/bin/env python3
"""Structural check of a Mermaid sequenceDiagram written by sipscope's
flow exporter (the Mermaid CLI is an npm package, not at hand offline).

Usage: flowfmt_mermaid_check.py FILE[:ARROWS]...
Checks: the first line is `sequenceDiagram`; every participant is declared
(`participant Pn as NAME`, once) before a message or note uses it; every
message line is `Pa->>Pb: TEXT` or `Pa-->>Pb: TEXT`; notes are
`Note over Pa[,Pb]: TEXT`; texts hold none of ; # % & < > " except inside
an entity code (#35; #gt; ...), no control character, and no run that
Mermaid's entity pass would mangle (style...:x#...;); with ARROWS, exactly
that many message lines.  Prints "ok N" (N message lines) per file or its
first problem, and exits 1 when any file has one.
"""
import re
import sys

FORBIDDEN = set(';#%&<>"')
ENTITY = re.compile(r"#\w+;")
ARROW = re.compile(r"^\s*(P\d+)(->>|-->>)(P\d+): (.+)$")
NOTE = re.compile(r"^\s*Note over (P\d+)(?:,(P\d+))?: (.+)$")
PART = re.compile(r"^\s*participant (P\d+) as (.+)$")
TITLE = re.compile(r"^\s*title (.+)$")
MANGLED = (re.compile(r"style.*:\S*#.*;"), re.compile(r"classDef.*:\S*#.*;"))


def text_problem(text):
    if any(ord(ch) < 0x20 or 0x7f <= ord(ch) <= 0x9f for ch in text):
        return "control character"
    bare = ENTITY.sub("", text)
    bad = FORBIDDEN.intersection(bare)
    if bad:
        return "forbidden character(s) %r" % "".join(sorted(bad))
    if any(m.search(text) for m in MANGLED):
        return "a run Mermaid's entity pass would mangle"
    if not text.strip():
        return "empty text"
    return None


def check(lines, want):
    if not lines or lines[0].rstrip("\n") != "sequenceDiagram":
        return "first line is not sequenceDiagram"
    declared, arrows = set(), 0
    for no, raw in enumerate(lines[1:], 2):
        line = raw.rstrip("\n")
        if not line.strip():
            continue
        m = PART.match(line)
        if m:
            if m.group(1) in declared:
                return "line %d: %s declared twice" % (no, m.group(1))
            if arrows:
                return "line %d: participant after the first message" % no
            declared.add(m.group(1))
            why = text_problem(m.group(2))
        elif ARROW.match(line):
            m = ARROW.match(line)
            for p in (m.group(1), m.group(3)):
                if p not in declared:
                    return "line %d: %s used before it is declared" % (no, p)
            arrows += 1
            why = text_problem(m.group(4))
        elif NOTE.match(line):
            m = NOTE.match(line)
            for p in (m.group(1), m.group(2)):
                if p and p not in declared:
                    return "line %d: %s used before it is declared" % (no, p)
            why = text_problem(m.group(3))
        elif TITLE.match(line):
            if declared:
                return "line %d: title after the participants" % no
            why = text_problem(TITLE.match(line).group(1))
        else:
            return "line %d: not a participant, message, note or title: %r" % (no, line)
        if why:
            return "line %d: %s: %r" % (no, why, line)
    if want is not None and arrows != want:
        return "%d message lines, expected %d" % (arrows, want)
    return None


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    rc = 0
    for arg in sys.argv[1:]:
        path, want = arg, None
        head, _, tail = arg.rpartition(":")
        if head and tail.isdigit():
            path, want = head, int(tail)
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
        why = check(lines, want)
        if why:
            print("%s: %s" % (path, why))
            rc = 1
        else:
            print("%s: ok %d" % (path, sum(1 for l in lines if ARROW.match(l))))
    return rc


if __name__ == "__main__":
    sys.exit(main())
