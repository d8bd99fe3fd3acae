"""The edge where results go out: the atomic output set, the xlsx table writer, the worksheet, CSV files,
the manifest, rapport.html and the console summary."""
