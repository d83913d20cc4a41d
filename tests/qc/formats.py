"""Realistic QC text files, as samtools, Picard and hotspot write them."""

from __future__ import annotations

FLAGSTAT_PE = """\
40000000 + 120 in total (QC-passed reads + QC-failed reads)
0 + 0 secondary
0 + 0 supplementary
1200000 + 3 duplicates
39200000 + 100 mapped (98.00% : N/A)
40000000 + 120 paired in sequencing
20000000 + 60 read1
20000000 + 60 read2
38000000 + 90 properly paired (95.00% : N/A)
39000000 + 95 with itself and mate mapped
200000 + 5 singletons (0.50% : N/A)
100000 + 0 with mate mapped to a different chr
50000 + 0 with mate mapped to a different chr (mapQ>=5)
"""

# samtools >= 1.13: "primary" lines, and single-end reads (nothing paired)
FLAGSTAT_SE_NEW = """\
25000000 + 0 in total (QC-passed reads + QC-failed reads)
25000000 + 0 primary
0 + 0 secondary
0 + 0 supplementary
0 + 0 duplicates
0 + 0 primary duplicates
24500000 + 0 mapped (98.00% : N/A)
24500000 + 0 primary mapped (98.00% : N/A)
0 + 0 paired in sequencing
0 + 0 read1
0 + 0 read2
0 + 0 properly paired (N/A : N/A)
0 + 0 with itself and mate mapped
0 + 0 singletons (N/A : N/A)
0 + 0 with mate mapped to a different chr
0 + 0 with mate mapped to a different chr (mapQ>=5)
"""

SAMTOOLS_STATS = """\
# This file was produced by samtools stats (1.10+htslib-1.10.2) and can be plotted using \
plot-bamstats
# This file contains statistics for all reads.
# The command line was:  stats nuclear.bam
# CHK, Checksum\t[2]Read Names\t[3]Sequences\t[4]Qualities
CHK\t4d3e2e7b\ta0b2c1d3\t3f2e1d0c
# Summary Numbers. Use `grep ^SN | cut -f 2-` to extract this part.
SN\traw total sequences:\t40000000
SN\tfiltered sequences:\t0
SN\tsequences:\t40000000
SN\tis sorted:\t1
SN\t1st fragments:\t20000000
SN\tlast fragments:\t20000000
SN\treads mapped:\t39200000
SN\treads mapped and paired:\t39000000\t# paired-end technology bit set + both mates mapped
SN\treads unmapped:\t800000
SN\treads properly paired:\t38000000\t# proper-pair bit set
SN\treads paired:\t40000000\t# paired-end technology bit set
SN\treads duplicated:\t1200000\t# PCR or optical duplicate bit set
SN\treads MQ0:\t300000\t# mapped and MQ=0
SN\treads QC failed:\t0
SN\tnon-primary alignments:\t0
SN\ttotal length:\t3040000000\t# ignores clipping
SN\ttotal first fragment length:\t1520000000\t# ignores clipping
SN\ttotal last fragment length:\t1520000000\t# ignores clipping
SN\tbases mapped:\t2979200000\t# ignores clipping
SN\tbases mapped (cigar):\t2950000000\t# more accurate
SN\tbases trimmed:\t0
SN\tbases duplicated:\t91200000
SN\tmismatches:\t12000000\t# from NM fields
SN\terror rate:\t4.067797e-03\t# mismatches / bases mapped (cigar)
SN\taverage length:\t76
SN\taverage first fragment length:\t76
SN\taverage last fragment length:\t76
SN\tmaximum length:\t76
SN\tmaximum first fragment length:\t76
SN\tmaximum last fragment length:\t76
SN\taverage quality:\t36.5
SN\tinsert size average:\t210.4
SN\tinsert size standard deviation:\t60.2
SN\tinward oriented pairs:\t19000000
SN\toutward oriented pairs:\t150000
SN\tpairs with other orientation:\t20000
SN\tpairs on different chromosomes:\t100000
SN\tpercentage of properly paired reads (%):\t95.0
# First Fragment Qualities. Use `grep ^FFQ | cut -f 2-` to extract this part.
FFQ\t1\t0\t0\t120\t500
"""

_PICARD_HEADER = """\
## htsjdk.samtools.metrics.StringHeader
# MarkDuplicates INPUT=[nuclear.bam] OUTPUT=marked.bam METRICS_FILE=MarkDuplicates.picard \
REMOVE_DUPLICATES=false ASSUME_SORTED=true
## htsjdk.samtools.metrics.StringHeader
# Started on: Mon Mar 02 10:00:00 UTC 2020

## METRICS CLASS\tpicard.sam.DuplicationMetrics
LIBRARY\tUNPAIRED_READS_EXAMINED\tREAD_PAIRS_EXAMINED\tSECONDARY_OR_SUPPLEMENTARY_RDS\t\
UNMAPPED_READS\tUNPAIRED_READ_DUPLICATES\tREAD_PAIR_DUPLICATES\tREAD_PAIR_OPTICAL_DUPLICATES\t\
PERCENT_DUPLICATION\tESTIMATED_LIBRARY_SIZE
"""
_PICARD_HISTOGRAM = """
## HISTOGRAM\tjava.lang.Double
BIN\tCoverageMult\tall_sets\tnon_optical_sets
1.0\t1.009\t15712345\t15782345
2.0\t1.921\t1122334\t1101234
"""
PICARD_DUPLICATION_PE = (_PICARD_HEADER
                         + "Unknown Library\t200000\t19500000\t0\t800000\t10000\t1200000\t30000\t"
                           "0.061741\t142000000\n" + _PICARD_HISTOGRAM)
PICARD_DUPLICATION_SE = (_PICARD_HEADER
                         + "Unknown Library\t24500000\t0\t0\t500000\t1500000\t0\t0\t0.061224\t\n")

HOTSPOT1_SPOT = """\
           total tags  hotspot tags    SPOT
             38123456      14212345  0.3728
"""


def juicer_stats_json(read_pairs: int) -> dict:
    """hic-pipeline's ``jsonify_stats.py`` output (hic_pipeline/jsonify_stats.py; keys as in
    its tests/python/test_jsonify_stats.py) for Juicer's statistics of ``read_pairs`` pairs."""
    def share(fraction: float) -> int:
        return int(read_pairs * fraction)

    stats: dict = {"run_type": "paired-ended", "sequenced_read_pairs": read_pairs,
                   "avg_insert_size": 0, "library_complexity_estimate": share(15.8),
                   "lior_convergence": 8111}
    for key, fraction, pct in (("no_chimera_found", 0.0022, 0.22),
                               ("one_or_both_reads_unmapped", 0.0022, 0.22),
                               ("2_alignments", 0.6184, 61.84),
                               ("2_alignments_a_b", 0.0, 0.0),
                               ("2_alignments_a1_a2b_a1b2_b1a2", 0.6184, 61.84),
                               ("3_or_more_alignments", 0.0077, 0.77)):
        stats.update({key: share(fraction), f"pct_{key}": pct})
    for key, fraction, sequenced, unique in (
            ("total_unique", 0.6064, 60.64, 98.07), ("total_duplicates", 0.012, 1.2, 1.93),
            ("below_mapq_threshold", 0.0538, 5.38, 8.87),
            ("hic_contacts", 0.5526, 55.26, 91.13),
            ("inter_chromosomal", 0.1254, 12.54, 20.68),
            ("intra_chromosomal", 0.4272, 42.72, 70.45),
            ("short_range_less_than_500bp", 0.054, 5.4, 8.9),
            ("short_range_500bp_to_5kb", 0.1187, 11.87, 19.58),
            ("short_range_5kb_to_20kb", 0.0425, 4.25, 7.0),
            ("long_range_greater_than_20kb", 0.212, 21.2, 34.97)):
        stats.update({key: share(fraction), f"pct_sequenced_{key}": sequenced,
                      f"pct_unique_{key}": unique})
    stats.update({"pct_left_pair_type": 25.0, "pct_inner_pair_type": 25.0,
                  "pct_outer_pair_type": 25.0, "pct_right_pair_type": 25.0})
    return stats


def juicer_stats_text(name: str) -> str:
    """The start of Juicer's statistics report (the attached text), naming its source."""
    return ("Read type: Paired End\nSequenced Read Pairs:  4079509\n"
            f"No chimera found: 8979 (0.22%)\n# {name}\n")
