#!/usr/bin/env python3
"""Runs the README's five-minute tour from the README text itself, against the README's run command.

1. Starts `bash tools/run.sh` (the README's run command) with a fresh data folder and a free
   loopback port (KASANE_DATA, KASANE_LISTEN=127.0.0.1:0, KASANE_BUILD_DIR), and waits until it
   prints where it listens. The run command loads the demo on first start. KASANE_SKIP_SETUP=1
   skips its install-and-build step: CTest runs from the finished build, whose binaries other
   tests are running meanwhile.
2. Takes every ```sh block of the README section "A five-minute tour", in order, replaces the
   README's address 127.0.0.1:8080 with the server's, and runs them in one bash session
   (`set -euo pipefail`) in a folder laid out like the repository (build/, tools/, data/).
3. A ```text block right after a ```sh block is that block's promised output, exactly: the
   block must print those lines and no others (blank lines aside). Within a line, `...` stands
   for any text (a hash, a tree size).
4. Stops the server with SIGTERM; it must exit 0.
Exit 0 when the whole tour works as printed; otherwise says which block failed and why.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SECTION = "## A five-minute tour"


def tour_blocks(readme_text):
    start = readme_text.find(SECTION)
    if start < 0:
        sys.exit(f"README has no section '{SECTION}'")
    end = readme_text.find("\n## ", start + len(SECTION))
    section = readme_text[start:end if end >= 0 else len(readme_text)]
    blocks = []  # [ [code, expected_lines] ]
    for m in re.finditer(r"```(\w*)\n(.*?)```", section, re.S):
        lang, body = m.group(1), m.group(2)
        if lang == "sh":
            blocks.append([body, []])
        elif lang == "text" and blocks and not blocks[-1][1]:
            blocks[-1][1] = [line.strip() for line in body.splitlines() if line.strip()]
    if not blocks:
        sys.exit("the tour has no ```sh blocks")
    return blocks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--build", required=True)
    args = ap.parse_args()
    source = os.path.abspath(args.source)
    build = os.path.abspath(args.build)
    blocks = tour_blocks(open(os.path.join(source, "README.md"), encoding="utf-8").read())

    work = tempfile.mkdtemp(prefix="kasane-tour-")
    server = None
    try:
        # A folder laid out like the repository, with a fresh data folder.
        os.symlink(build, os.path.join(work, "build"))
        os.symlink(os.path.join(source, "tools"), os.path.join(work, "tools"))
        data = os.path.join(work, "data")
        env = dict(os.environ, KASANE_DATA=data, KASANE_LISTEN="127.0.0.1:0",
                   KASANE_BUILD_DIR=build, KASANE_SKIP_SETUP="1")
        log = open(os.path.join(work, "server.log"), "w+")
        server = subprocess.Popen(["bash", os.path.join(source, "tools", "run.sh")], env=env,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        port = None
        deadline = time.time() + 600  # the run command checks packages and the build first
        while time.time() < deadline and port is None:
            if server.poll() is not None:
                break
            time.sleep(0.2)
            log.seek(0)
            m = re.search(r"^listening [0-9.]+:(\d+)$", log.read(), re.M)
            if m:
                port = m.group(1)
        if port is None:
            log.seek(0)
            sys.exit("the run command did not start listening:\n" + log.read()[-4000:])

        marker = "@@kasane-tour-block@@"
        script = ["set -euo pipefail", f"cd {work}"]
        for i, (code, _) in enumerate(blocks):
            script.append(f"echo '{marker} {i}'")
            script.append(code.replace("127.0.0.1:8080", f"127.0.0.1:{port}"))
        run = subprocess.run(["bash", "-c", "\n".join(script)], cwd=work, capture_output=True,
                             text=True, timeout=600)
        outputs = {}
        current = None
        for line in run.stdout.splitlines():
            if line.startswith(marker):
                current = int(line.split()[1])
                outputs[current] = []
            elif current is not None:
                outputs[current].append(line)
        if run.returncode != 0:
            failed = max(outputs) if outputs else 0
            sys.exit(f"tour block {failed + 1} failed (exit {run.returncode}):\n"
                     f"{blocks[failed][0]}\nstdout:\n" + "\n".join(outputs.get(failed, [])) +
                     f"\nstderr:\n{run.stderr[-4000:]}")
        checked = 0
        for i, (code, expected) in enumerate(blocks):
            if not expected:
                continue
            printed = [line.strip() for line in outputs.get(i, []) if line.strip()]
            same = len(printed) == len(expected) and all(
                re.fullmatch(".*".join(re.escape(part) for part in want.split("...")), got)
                for want, got in zip(expected, printed))
            if not same:
                sys.exit(f"tour block {i + 1} did not print what the README shows:\n{code}\n"
                         "README:\n" + "\n".join(expected) + "\nprinted:\n" +
                         "\n".join(printed))
            checked += len(expected)
        os.killpg(server.pid, signal.SIGTERM)
        code = server.wait(timeout=60)
        if code != 0:
            log.seek(0)
            sys.exit(f"the server exited {code} on SIGTERM:\n" + log.read()[-4000:])
        server = None
        print(f"tour: {len(blocks)} blocks ran as printed; {checked} promised output lines seen")
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
