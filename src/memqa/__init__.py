"""memqa: cited question answering over CICAD MEM drug-policy evaluation reports."""

__version__ = "0.1.0"
