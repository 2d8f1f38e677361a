"""Image makers: a picture per scene, at the video's frame size."""

from .pictograms import Pictogram, pictograms, search_pictograms

__all__ = ["Pictogram", "pictograms", "search_pictograms"]
