"""Data shipped with the package (the DTD study's network and input)."""
