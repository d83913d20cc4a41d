"""Peaks of `a` that overlap a peak of `b` by at least `min_overlap` bases (BED, gzipped or
not); plain Python, so the example needs no bedtools."""

import gzip
from collections import defaultdict


def read_bed(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as handle:
        for line in handle:
            if line.strip() and not line.startswith(("#", "track", "browser")):
                chrom, start, end, *_ = line.split("\t")
                yield chrom, int(start), int(end)


def main(a, b, out, min_overlap):
    by_chrom = defaultdict(list)
    for chrom, start, end in read_bed(b):
        by_chrom[chrom].append((start, end))
    kept = sorted({(chrom, start, end) for chrom, start, end in read_bed(a)
                   if any(min(end, e) - max(start, s) >= min_overlap
                          for s, e in by_chrom[chrom])})
    with open(out, "w") as handle:
        handle.writelines(f"{c}\t{s}\t{e}\n" for c, s, e in kept)


main(snakemake.input.a, snakemake.input.b, snakemake.output[0],  # noqa: F821
     int(snakemake.params.min_overlap))  # noqa: F821
