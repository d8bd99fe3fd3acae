"""The pure stages: frames and settings in, new frames out (validate, select, compute, categorise, documents,
closing notes, ledger). No stage reads or writes a file."""
