"""`snakemake --lint`, failing on any finding in the given rule files (all files when none).

One finding is accepted: "Specify a conda environment or container for each rule". The rules
run this package's own job scripts in the environment Snakemake runs in (the package is its
software), and no published image or conda package carries it yet.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ACCEPTED = "Specify a conda environment or container for each rule."
HEADER = re.compile(r"^Lints for (?:rule \S+|snakefile) \(line \d+, (?P<file>[^)]+)\):$|"
                    r"^Lints for snakefile (?P<snakefile>\S+):$")


def main(files: list[str]) -> int:
    repo = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as workdir:  # parsing writes the demo run: not here
        done = subprocess.run([sys.executable, "-m", "snakemake", "--lint", "-s",
                               str(repo / "Snakefile"), "-d", workdir, "--configfile",
                               str(repo / ".test" / "config" / "config.yaml")],
                              capture_output=True, text=True)
    wanted = {Path(f).resolve() for f in files}
    current, failures = None, []
    for line in (done.stdout + done.stderr).splitlines():
        header = HEADER.match(line)
        if header:
            current = Path(header["file"] or header["snakefile"]).resolve()
            block = line
        elif line.startswith("    * ") and current is not None:
            finding = line[6:].strip().rstrip(":")
            if finding != ACCEPTED and (not wanted or current in wanted):
                failures.append(f"{block}\n    {finding}")
    if current is None and done.returncode != 0:  # it did not get as far as linting
        print(done.stdout + done.stderr)
        return 1
    print("\n".join(failures) or f"snakemake --lint: clean ({', '.join(files) or 'all files'})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
