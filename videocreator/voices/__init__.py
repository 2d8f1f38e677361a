"""Narrators: text in, speech with sentence timings out."""
