#!/usr/bin/env python3
"""Alternating timer for benches/run.sh: every round runs each command once,
in a rotated order, so that a machine that drifts (other work, frequency)
drifts for all of them alike. Each command is started with posix_spawn and
reaped with waitpid; stdout goes to /dev/null. (No peak RSS here: a child
started by vfork counts the parent's memory in its own ru_maxrss.)

    python3 benches/ab.py --rounds N --json OUT NAME=SPEC [NAME=SPEC ...]

SPEC is `[pipe:FILE |file:FILE |] ARGV...` (shell words, `{}` is FILE):
  pipe:FILE   FILE's bytes are written into a pipe on the command's stdin
  file:FILE   stdin is FILE itself (a redirect)
  otherwise   stdin is /dev/null
A command exiting non-zero fails the run (its stderr is shown). The JSON
holds each command's times (seconds) per round."""
import argparse
import json
import os
import shlex
import shutil
import statistics
import sys
import tempfile
import time


def parse(spec):
    name, _, rest = spec.partition("=")
    words = shlex.split(rest)
    how, path = None, None
    if words and words[0].split(":", 1)[0] in ("pipe", "file"):
        how, path = words.pop(0).split(":", 1)
    words = [w.replace("{}", path) if path else w for w in words]
    prog = shutil.which(words[0]) or words[0]
    data = open(path, "rb").read() if how == "pipe" else None
    return {"name": name, "argv": words, "prog": prog, "how": how, "path": path, "data": data}


def run_once(cmd, err):
    actions = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
               (os.POSIX_SPAWN_DUP2, err.fileno(), 2)]
    rfd = wfd = None
    if cmd["how"] == "pipe":
        rfd, wfd = os.pipe()
        actions += [(os.POSIX_SPAWN_DUP2, rfd, 0), (os.POSIX_SPAWN_CLOSE, wfd)]
    elif cmd["how"] == "file":
        actions.append((os.POSIX_SPAWN_OPEN, 0, cmd["path"], os.O_RDONLY, 0))
    else:
        actions.append((os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0))
    err.seek(0)
    err.truncate()
    start = time.perf_counter()
    pid = os.posix_spawn(cmd["prog"], cmd["argv"], os.environ, file_actions=actions)
    if rfd is not None:
        os.close(rfd)
        try:
            view = memoryview(cmd["data"])
            while view:
                view = view[os.write(wfd, view):]
        except BrokenPipeError:
            pass
        os.close(wfd)
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        err.seek(0)
        sys.exit(f"ab.py: {cmd['name']} exited {code}: {' '.join(cmd['argv'])}\n"
                 + err.read().decode(errors="replace")[-2000:])
    return elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--json", required=True)
    ap.add_argument("commands", nargs="+")
    args = ap.parse_args()
    cmds = [parse(s) for s in args.commands]
    results = {c["name"]: {"argv": c["argv"], "how": c["how"], "times": []} for c in cmds}
    with tempfile.TemporaryFile() as err:
        for r in range(args.warmup + args.rounds):
            k = r % len(cmds)
            for cmd in cmds[k:] + cmds[:k]:
                t = run_once(cmd, err)
                if r >= args.warmup:
                    results[cmd["name"]]["times"].append(t)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)
    for name, res in results.items():
        ts = sorted(res["times"])
        q1, q3 = ts[len(ts) // 4], ts[(3 * len(ts)) // 4]
        print(f"{name:28s} median {statistics.median(ts) * 1e3:9.2f} ms  "
              f"(q1 {q1 * 1e3:.2f}, q3 {q3 * 1e3:.2f}, n={len(ts)})", file=sys.stderr)


if __name__ == "__main__":
    main()
