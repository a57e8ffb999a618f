#!/usr/bin/env python3
"""Non-test lines of code and `unsafe` lines in src/ (issue 24, benches/run.sh (f)).

A line counts when it is not blank, not a comment (`//`, `//!`, `///`, or
inside `/* */`) and not inside a `#[cfg(test)]` item (a `mod tests { ... }`
or any item the attribute is on, found by brace depth). `unsafe` lines are
non-test lines containing the word `unsafe` outside a comment.

    python3 benches/count_lines.py [SRC_DIR]     # prints: lines=N unsafe=M
    python3 benches/count_lines.py --git REV     # the same for src/ at a commit
"""
import re
import subprocess
import sys
from pathlib import Path

UNSAFE = re.compile(r"\bunsafe\b")


def strip_comment(line, in_block):
    """The code of `line` without comments; whether a block comment is still open."""
    out, i = [], 0
    while i < len(line):
        if in_block:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i, in_block = end + 2, False
        elif line.startswith("//", i):
            break
        elif line.startswith("/*", i):
            in_block, i = True, i + 2
        elif line[i] == '"':
            # skip a string literal, so `"//"` or `"/*"` is not a comment
            j = i + 1
            while j < len(line) and line[j] != '"':
                j += 2 if line[j] == "\\" else 1
            out.append(line[i:j + 1])
            i = j + 1
        else:
            out.append(line[i])
            i += 1
    return "".join(out), in_block


def count(text):
    lines = unsafe = 0
    in_block = False
    skip_depth = None  # brace depth at which a #[cfg(test)] item ends
    pending_test = False
    depth = 0
    for raw in text.splitlines():
        code, in_block = strip_comment(raw, in_block)
        code = code.strip()
        if not code:
            continue
        if skip_depth is None and code.startswith("#[cfg(test)]"):
            pending_test = True
            rest = code[len("#[cfg(test)]"):].strip()
            if not rest:
                continue
            code = rest
        opens, closes = code.count("{"), code.count("}")
        if pending_test:
            if opens > closes:
                skip_depth, pending_test = depth, False
            elif code.endswith(";"):
                pending_test = False  # a one-line item (`mod tests;`, `use ...;`)
            depth += opens - closes
            continue
        if skip_depth is not None:
            depth += opens - closes
            if depth <= skip_depth:
                skip_depth = None
            continue
        depth += opens - closes
        lines += 1
        if UNSAFE.search(code):
            unsafe += 1
    return lines, unsafe


def files_at(rev):
    names = subprocess.run(["git", "ls-tree", "-r", "--name-only", rev, "src"],
                           check=True, capture_output=True, text=True).stdout.split()
    for name in names:
        if name.endswith(".rs") and not name.endswith("/tests.rs"):
            yield subprocess.run(["git", "show", f"{rev}:{name}"], check=True,
                                 capture_output=True, text=True).stdout


def files_in(src):
    for path in sorted(Path(src).rglob("*.rs")):
        # a `tests.rs` module file is only ever declared under #[cfg(test)]
        if path.name != "tests.rs":
            yield path.read_text()


def main(argv):
    if argv[:1] == ["--git"]:
        texts = files_at(argv[1])
    else:
        texts = files_in(argv[0] if argv else "src")
    total = unsafe = 0
    for text in texts:
        n, u = count(text)
        total, unsafe = total + n, unsafe + u
    print(f"lines={total} unsafe={unsafe}")


if __name__ == "__main__":
    main(sys.argv[1:])
