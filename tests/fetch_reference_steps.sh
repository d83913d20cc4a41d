#!/usr/bin/env bash
# Unpack the reference `accession` 4.8.4 steps JSONs for the optional compatibility test:
#   eval "$(tests/fetch_reference_steps.sh)" && pytest tests/test_steps.py
set -euo pipefail
dir=$(mktemp -d)
python3 -m pip download -q --no-deps accession==4.8.4 -d "$dir" >&2
python3 -m zipfile -e "$dir"/accession-4.8.4-py3-none-any.whl "$dir/wheel" >&2
echo "export ACCESSION_STEPS_DIR=$dir/wheel/accession_steps"
