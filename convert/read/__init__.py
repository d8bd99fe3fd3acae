"""The edge where exports come in: bytes → text (encoding, dialect) → records with their lines → a table of text
→ headers mapped to the contract's fields."""
