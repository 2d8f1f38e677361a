"""The stages over a project folder, one room each: ``editing`` (scenes and settings), ``choosing`` (each
stage's backend, with ``auto``), ``script``, ``images``, ``voice``, ``video`` (the render), ``artifacts``
(a scene's picture or narration brought up to date), ``sizing`` (lengths), ``states`` (what is up to
date) and ``making`` (a whole make). ``videocreator.pipeline`` is their public front."""
