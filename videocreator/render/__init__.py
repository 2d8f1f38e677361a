"""Rendering: scene segments streamed into the encoder, cached by hash, joined without re-encoding."""
