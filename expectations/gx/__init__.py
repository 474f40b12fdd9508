"""Great Expectations: the only package that imports great_expectations (suites, checkpoints, Data Docs).

Public GX API only; where GX has no public (or no fast enough) way, the workaround lives in `compat.py`.
"""
