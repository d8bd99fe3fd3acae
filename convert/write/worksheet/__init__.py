"""The conversion worksheet (konverteringsark.xlsx): its layout declared once, its writer, and the one reader that
re-runs, reconciliation and `--update-worksheet` share."""
