#!/usr/bin/env python3
"""Library functions longer than a limit (issue 12's floor: none over 80 lines).

Counts each `fn` in crates/*/src from its `fn` line to its closing brace (doc comments and
attributes above it excluded), a line-based brace count with strings and `//` comments
removed. Prints `<lines> <file> <name>` for every function over the limit and exits 1 if
there is any, 0 (printing nothing) otherwise.

    python3 scripts/fn_lengths.py            # the floor: 80 lines
    python3 scripts/fn_lengths.py --max 60   # a stricter look
"""
import argparse
import glob
import os
import re
import sys

FN = re.compile(r"\s*(pub(\([^)]*\))?\s+)?(async\s+)?(const\s+)?(unsafe\s+)?fn\s+(\w+)")
STRING = re.compile(r'"(\\.|[^"\\])*"')
COMMENT = re.compile(r"//.*")


def fn_end(lines, start):
    """Index of the line closing the function whose `fn` is on line `start` (or of its `;`)."""
    depth, started = 0, False
    j = start
    while j < len(lines):
        s = COMMENT.sub("", STRING.sub("", lines[j]))
        depth += s.count("{") - s.count("}")
        if "{" in s:
            started = True
        if started and depth <= 0:
            break
        if not started and s.rstrip().endswith(";"):
            break
        j += 1
    return j


def long_functions(root, limit):
    """(lines, file relative to root, name) of every function over `limit` lines."""
    found = []
    for path in sorted(glob.glob(os.path.join(root, "crates/*/src/**/*.rs"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        for i, line in enumerate(lines):
            m = FN.match(line)
            if m and not line.strip().startswith("//"):
                n = fn_end(lines, i) - i + 1
                if n > limit:
                    found.append((n, os.path.relpath(path, root), m.group(6)))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=80, help="longest allowed (lines)")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found = long_functions(root, args.max)
    for n, path, name in found:
        print(n, path, name)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
