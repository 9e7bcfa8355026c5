"""`./lab bench`: the orchestrators measured like a benchmark (workloads × sizes × repetitions).

Run, record and report are separate: `plan` says what to measure, `sweep` runs it (resumable, one
record per measurement), and the report reads the records only.
"""
