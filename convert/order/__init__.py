"""The conversion order to Netcompany: the specification, the data extract, the letter material and the money."""
