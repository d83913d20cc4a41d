"""Generate encode_accession/localportal/search_fields.json from the portal's schemas.

The free-text fields the portal indexes per type: each profile's `boost_values` (the
profiles snapshot leaves them out). `python scripts/search_fields.py ENCODED_SCHEMAS_DIR`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "encode_accession" / "localportal" / \
    "search_fields.json"


def main(schemas: Path) -> None:
    fields = {}
    for path in sorted(schemas.glob("*.json")):
        boost = json.loads(path.read_text()).get("boost_values")
        if isinstance(boost, dict) and boost:
            fields[path.stem] = sorted(boost)
    OUTPUT.write_text(json.dumps(fields, indent=1, sort_keys=True) + "\n")
    print(f"{OUTPUT}: free-text fields of {len(fields)} types")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
