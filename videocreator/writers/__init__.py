"""Script writers: a topic in, a title and N scenes (narration + image prompt) out."""
