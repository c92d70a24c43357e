"""The configuration contract: the YAML files, validated into frozen typed objects.

Pure: nothing here imports cdktf or starts a process.
"""
