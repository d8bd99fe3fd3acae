"""Danish text in and out: parsing the exports' cells (`parse`) and formatting what people read (`format`)."""
