#!/usr/bin/env python3
"""Every command the tests call must come from a package that
scripts/install-deps.sh installs (or from the minimal Debian system,
Priority: required, or from git and make, the two a new user starts with).

It reads the test scripts (tests/**/*.sh, and the commands the Python
helpers start through subprocess), takes the words in command position,
finds the package that owns each on this machine (dpkg -S) and checks that
package against the closure of install-deps.sh's "test" list under
Depends/Pre-Depends (recommends are not installed).  A command that is not
installed here at all is an error too: the tests could not run it either.

tests/deb_*.sh (make deb-test) are checked against the "deb" list instead,
which make deb installs (only where it is installed: make test does not).  The fresh-root scripts run on the host as root
(debootstrap, chroot) and are not checked, nor is root_lib.sh, theirs.

Usage: python3 tests/deps_check.py [ROOT]     exit 0 ok, 1 missing, 77 skipped
"""
import os
import re
import shutil
import subprocess
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
# The test command itself runs these before any test: make test needs them.
START_WITH = {"git", "make"}

SHELL_WORDS = set("""
if then else elif fi for in do done while until case esac function return
exit break continue set unset export local readonly shift trap wait eval exec
echo printf read cd pwd test true false kill command type alias umask ulimit
getopts hash times source declare let jobs fg bg builtin caller enable
""".split())
# Words that start a command but are not the command: skip them.
PREFIXES = {"!", "time", "nice", "env", "command", "exec", "then", "do", "else",
            "elif", "if", "while", "until", "{", "(", "sudo"}


def sh_files(root):
    for d, _, files in os.walk(os.path.join(root, "tests")):
        for f in sorted(files):
            p = os.path.join(d, f)
            if f.endswith(".sh") and not f.endswith("fresh_root.sh") and f != "root_lib.sh":
                yield p


def py_files(root):
    for d, _, files in os.walk(os.path.join(root, "tests")):
        for f in sorted(files):
            if f.endswith(".py"):
                yield os.path.join(d, f)


HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")
SPLIT = re.compile(r"\|\||&&|[|;&`\n]|\$\(|\(|\)|\{|\}")


def strip_quotes(text):
    """The script with quoted text and comments blanked (newlines kept), but
    the $(...) inside double quotes kept: those run commands.  Heredoc
    bodies are dropped.  A heuristic, not a shell parser."""
    out, i, n, state, depth = [], 0, len(text), "code", 0
    pending = []  # heredoc terminators to skip after this line
    while i < n:
        c = text[i]
        if state == "code":
            if c == "#" and (i == 0 or text[i - 1] in " \t\n;"):
                j = text.find("\n", i)
                i = n if j < 0 else j
                continue
            if c == "<" and text.startswith("<<", i) and not text.startswith("<<<", i):
                m = HEREDOC.match(text, i)
                if m:
                    pending.append(m.group(2))
                    i = m.end()
                    continue
            if c == "\n" and pending:
                out.append("\n")
                for term in pending:
                    while i < n:
                        j = text.find("\n", i + 1)
                        j = n if j < 0 else j
                        line = text[i + 1:j]
                        out.append("\n")
                        i = j
                        if line.strip() == term:
                            break
                pending = []
                i += 1
                continue
            if c == "\\" and i + 1 < n:
                out.append("\r" if text[i + 1] == "\n" else " ")  # \r: a line, not a separator
                i += 2
                continue
            if c == "'":
                state = "single"
                out.append("Q")  # the quoted word stays a word, not a command
            elif c == '"':
                state, depth = "double", 0
                out.append("Q")
            else:
                out.append(c)
        elif state == "single":
            if c == "'":
                state = "code"
            elif c == "\n":
                out.append("\n")
        else:  # double quotes: keep only what is inside $( )
            if c == "\\":
                i += 2
                continue
            if depth == 0 and c == '"':
                state = "code"
            elif text.startswith("$(", i) and not text.startswith("$((", i):
                depth += 1
                out.append(";")
                i += 2
                continue
            elif depth > 0 and c == "'":  # quoted inside the $( ): data
                j = text.find("'", i + 1)
                out.append("Q")
                i = n if j < 0 else j + 1
                continue
            elif depth > 0 and c == ")":
                depth -= 1
                out.append(";")
            elif depth > 0 or c == "\n":
                out.append(c)
        i += 1
    return "".join(out)


def shell_commands(path):
    """(command word, line number) for each command position in a script."""
    text = open(path, encoding="utf-8", errors="replace").read()
    funcs = set(re.findall(r"^\s*([A-Za-z_][\w-]*)\s*\(\)", text, re.M))
    code = strip_quotes(text)
    # arithmetic: a number (timeout $((N)) CMD: the duration stays a word)
    code = re.sub(r"\$?\(\([^()]*(?:\([^()]*\)[^()]*)*\)\)", " 0 ", code)
    code = re.sub(r"\$\{[^}]*\}", "V", code)  # parameter expansion
    code = re.sub(r"\b\w+\+?=\([^)]*\)", " ", code)  # array assignment
    out, in_case = [], 0
    lines = code.split("\n")
    ln = 0
    for line in lines:
        ln += 1
        at = ln
        ln += line.count("\r")
        line = line.replace("\r", " ")
        if in_case:
            line = re.sub(r"^\s*\(?[^()]*\)", " ", line)  # a case pattern
        for seg in SPLIT.split(line):
            words = seg.split()
            while words and (re.match(r"^[A-Za-z_]\w*=", words[0]) or words[0] in PREFIXES):
                words.pop(0)
            if words and words[0] == "timeout":
                words = [w for w in words[1:] if not w.startswith("-")][1:]
            if words and words[0] == "case":
                in_case += 1
            if words and words[0] == "esac":
                in_case = max(0, in_case - 1)
            if words and re.match(r"^[a-z][a-z0-9_.+-]*$", words[0]):
                out.append((words[0], at))
    return out, funcs


def python_commands(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    out = []
    for m in re.finditer(r"(?:run|Popen|check_output|check_call|call)\(\s*\[\s*[\"']([a-z][\w.+-]*)[\"']", text):
        out.append((m.group(1), text.count("\n", 0, m.start()) + 1))
    return out


def dpkg_owner(cmd):
    path = shutil.which(cmd, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if not path:
        return None
    for p in (path, os.path.realpath(path), "/usr" + path if not path.startswith("/usr") else path[4:]):
        r = subprocess.run(["dpkg-query", "-S", p], capture_output=True, text=True)
        # "diversion by dash from: /bin/sh" lines name no owner: skip them
        owners = [l for l in r.stdout.splitlines() if not l.startswith("diversion ")]
        if r.returncode == 0 and owners:
            return owners[0].split(":")[0].split(",")[0].strip()
    return "?"


def installed():
    r = subprocess.run(["dpkg-query", "-W", "-f=${Package}\t${Priority}\t${Depends}, ${Pre-Depends}\t${Provides}\t${Status}\n"],
                       capture_output=True, text=True, check=True)
    pkgs, provides = {}, {}
    for line in r.stdout.splitlines():
        name, prio, deps, prov, status = (line.split("\t") + [""] * 5)[:5]
        if "installed" not in status.split()[-1:]:
            continue
        alts = []
        for d in deps.split(","):
            d = d.strip()
            if d:
                alts.append([re.sub(r"[\s(:].*", "", a.strip()) for a in d.split("|")])
        pkgs[name] = (prio, alts)
        for p in prov.split(","):
            p = re.sub(r"[\s(:].*", "", p.strip())
            if p:
                provides.setdefault(p, []).append(name)
    return pkgs, provides


def closure(roots, pkgs, provides):
    seen, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        for real in ([p] if p in pkgs else provides.get(p, [])):
            if real in seen:
                continue
            seen.add(real)
            for alts in pkgs[real][1]:
                # apt takes an installed alternative, else the first one.
                pick = [a for a in alts if a in pkgs or a in provides]
                todo.extend(pick[:1] if pick else alts[:1])
    return seen


def main():
    if not shutil.which("dpkg-query"):
        print("skip deps check: not a Debian system")
        return 77
    text = open(os.path.join(ROOT, "scripts", "install-deps.sh")).read()
    base = re.search(r'^pkgs="([^"]*)"', text, re.M).group(1).split()
    test = re.search(r'^test\) pkgs="\$pkgs ([^"]*)"', text, re.M).group(1).split()
    deb = re.search(r'^deb\) pkgs="\$pkgs ([^"]*)"', text, re.M).group(1).split()
    pkgs, provides = installed()
    required = {p for p, (prio, _) in pkgs.items() if prio == "required"}
    ok_pkgs = closure(set(base) | set(test) | START_WITH | required, pkgs, provides)
    ok_deb = closure(set(base) | set(deb) | START_WITH | required, pkgs, provides)

    uses, funcs, deb_uses = {}, set(), {}
    for f in sh_files(ROOT):
        cmds, fs = shell_commands(f)
        funcs |= fs
        into = deb_uses if os.path.basename(f).startswith("deb_") else uses
        for c, ln in cmds:
            into.setdefault(c, []).append(f"{os.path.relpath(f, ROOT)}:{ln}")
    for f in py_files(ROOT):
        for c, ln in python_commands(f):
            uses.setdefault(c, []).append(f"{os.path.relpath(f, ROOT)}:{ln}")

    bad, checked = [], 0
    tables = [(uses, ok_pkgs, "test")]
    # make test installs the test list only: tests/deb_*.sh's commands are
    # checked where make deb has installed its list (CI does, first).
    if all(p in pkgs for p in deb):
        tables.append((deb_uses, ok_deb, "deb"))
    else:
        print(f"deps: the {len(deb_uses)} commands of tests/deb_*.sh not checked: "
              "the deb list is not installed here (make deb installs it)")
    for table, allowed, which in tables:
        for cmd in sorted(table):
            if cmd in SHELL_WORDS or cmd in funcs:
                continue
            checked += 1
            owner = dpkg_owner(cmd)
            where = ", ".join(table[cmd][:3])
            if owner is None:
                bad.append(f"{cmd}: not installed on this machine (used at {where})")
            elif owner == "?":
                bad.append(f"{cmd}: {shutil.which(cmd)} belongs to no Debian package (used at {where})")
            elif owner not in allowed:
                bad.append(f"{cmd}: from package {owner}, which scripts/install-deps.sh {which} does not install (used at {where})")
    for b in bad:
        print("FAIL deps:", b)
    print(f"deps: {checked} commands the tests call, {len(bad)} not installed by scripts/install-deps.sh")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
