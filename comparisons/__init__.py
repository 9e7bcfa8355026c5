"""The lab's harness: bring up both orchestrators, run each pipeline pair on both, compare, report.

Keep this file free of imports: `comparisons.inside` runs inside the orchestrators' own environments,
which do not have the harness's dependencies.
"""
