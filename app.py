"""VideoCreator studio: a thin Gradio front over the ``videocreator`` library (``videocreator.studio``).

Each browser session works in its own project folder, one change at a time; the rules (a public server's
limits, validation) are the library's.

    python app.py            # honours GRADIO_SERVER_NAME / GRADIO_SERVER_PORT
    python app.py --heavy-jobs 2   # heavy jobs at once (default: one per two cores; see settings.server)
"""

from videocreator.studio.wiring import build_app, main

__all__ = ["build_app"]

if __name__ == "__main__":
    main()
