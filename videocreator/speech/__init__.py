"""A narration's speech, below both the voices that make it and the renderer that plays it: ``speaking``
(what the voice is given and how its timings map back to the written words), ``word_timing`` (each
word's time, from phonemes or the audio), ``wav`` (the recording's file) and ``pace`` (a voice's pace)."""
