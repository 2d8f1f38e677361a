"""Image makers: a picture per scene, at the video's frame size."""
