"""The data layer: Arrow schemas, typed records, the commit protocol, dataset folders, the contract.

Everything that reads or writes a dataset folder goes through here; `reports/` imports nothing
else from `pipelines`, and `pipelines/extract/` uses only the record types and URL helpers.
"""
