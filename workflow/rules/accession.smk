# One rule per accessioning step; one job per planned file. A file's job waits for the
# receipts of its derived_from parents, so the portal sees parents before children.

import re


for _step in PLAN.steps:
    _files = PLAN.files_of(_step)
    if not _files:
        continue

    rule:
        name:
            _step.rule
        input:
            parents=lambda wc, step=_step: [
                receipt(PLAN.files[p]) for p in PLAN.planned_parents(wc.file_id)
            ],
        output:
            f"{RESULTS}/files/{_step.rule}/{{file_id}}.json",
        wildcard_constraints:
            file_id="|".join(re.escape(f.id) for f in _files),
        params:
            step=_step.rule,
        script:
            "../../scripts/accession_file.py"
