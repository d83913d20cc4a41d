"""Merge intervals that overlap or lie within `distance` bases of each other (bedtools merge
-d, in plain Python)."""


def main(source, out, distance):
    rows = []
    with open(source) as handle:
        for line in handle:
            chrom, start, end = line.split("\t")[:3]
            rows.append((chrom, int(start), int(end)))
    merged = []
    for chrom, start, end in sorted(rows):
        if merged and merged[-1][0] == chrom and start <= merged[-1][2] + distance:
            merged[-1][2] = max(merged[-1][2], end)
        else:
            merged.append([chrom, start, end])
    with open(out, "w") as handle:
        handle.writelines(f"{c}\t{s}\t{e}\n" for c, s, e in merged)


main(snakemake.input[0], snakemake.output[0], int(snakemake.params.distance))  # noqa: F821
