#!/usr/bin/env bash
# The wheel is the product: build it, install it into a fresh venv outside the clone, and from
# an empty folder run what a lab would: `accession --version`, the demo, the reference's
# command line into a served local portal, and a parent Snakefile (its own rule writes the
# metadata.json) that uses the installed workflow as a module. Nothing is read from the clone.
set -euo pipefail
clone=$(cd "$(dirname "$0")/.." && pwd)
place=$(mktemp -d)
trap 'kill "${portal_pid:-}" 2>/dev/null || true; rm -rf "$place"' EXIT
"$clone/.venv/bin/pip" wheel -q --no-deps -w "$place/dist" "$clone"
python3 -m venv "$place/venv"
"$place/venv/bin/pip" install -q "$place"/dist/encode_accession-*.whl
bin="$place/venv/bin"
mkdir "$place/work" "$place/home" && cd "$place/work"
export HOME="$place/home"  # what the commands keep under ~ (the run record) stays in here

# (outputs read from files: `cmd | grep -q` closes the pipe early, and with pipefail the
# command's quiet end on a closed pipe, status 141, would fail the script)
"$bin/accession" --version > version.out && grep -q "^accession [0-9]" version.out
"$bin/encode-accession" demo -j 2 > demo.out 2>&1 || { tail -30 demo.out; exit 1; }
"$bin/python" -c "import json, sys; sys.exit(json.load(open('demo/summary.json'))['created'] < 1)"
"$bin/encode-accession" info --db demo/tracker.db > info.out && grep -q "demo-atac" info.out
"$bin/encode-accession" plan -m demo/demo/metadata.json --steps atac > plan.out
grep -qE "^[1-9][0-9]* files in [1-9][0-9]* steps for workflow" plan.out

# the reference's command line into a portal served over HTTP
port=$("$bin/python" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
"$bin/encode-accession" portal serve --port "$port" --db portal.sqlite > portal.out 2>&1 &
portal_pid=$!
for _ in $(seq 50); do grep -q "serving at" portal.out && break; sleep 0.2; done
export DCC_API_KEY=DEMOKEY1 DCC_SECRET_KEY=demosecretdemose  # the local portal's demo pair
"$bin/accession" -m demo/demo/metadata.json -p atac -s "http://127.0.0.1:$port" \
    --lab encode-awg --award DEMO-AWARD > accession.out 2>&1 || { tail -30 accession.out; exit 1; }
grep -q "rule step:" accession.log  # Snakemake's account, in the reference's log file

# a parent workflow: its own rule writes metadata.json, then the installed workflow accessions it
# (the README's parent Snakefile, with a copy standing in for Caper)
mkdir parent && cat > parent/Snakefile <<SNAKEFILE
import subprocess

ENCODE = {"metadata": "caper/metadata.json", "pipeline": "atac", "server": "local:portal.sqlite",
          "lab": "encode-awg", "award": "DEMO-AWARD", "tracker_db": "tracker.db"}

# the installed workflow's Snakefile (encode-accession snakefile prints where it is)
WORKFLOW = subprocess.run(["encode-accession", "snakefile"], capture_output=True, text=True,
                          check=True).stdout.strip()

module encode:
    snakefile: WORKFLOW
    config: ENCODE

use rule * from encode as encode_*

rule caper:
    output: "caper/metadata.json"
    localrule: True
    log: "logs/caper.log"
    shell: "cp $place/work/demo/demo/metadata.json {output} 2> {log}"

rule all:
    default_target: True
    input: rules.encode_all.input
SNAKEFILE
(cd parent && PATH="$bin:$PATH" snakemake -j 2 > snakemake.out 2>&1) || { tail -30 parent/snakemake.out; exit 1; }
test -s parent/results/summary.json
echo "wheel: accession --version, the demo, accession into a served portal, and the workflow as a module all ran from $bin"
