"""A workshop on one server: how long visitors wait when they all ask at once (never asserted in a test).

    python bench/workshop.py [--visitors 10]

Serves the studio on loopback (offline backends), gives each visitor a two-scene project (template
script, offline pictures, Piper voice), then times, from the moment each visitor asks until their
answer arrives: (1) every visitor asking for a 360p preview at once; (2) the same while one visitor
renders the 720p video. Prints p50, p95 and the longest wait of each, with the server's concurrency.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gradio_client import Client

from tests.conftest import free_port
from videocreator.limits import Limits
from videocreator.sessions import SessionStore
from videocreator.studio import wiring as studio_app

SCRIPT = ("Why the sky is blue", 2, "a general audience", "friendly and clear", "en", "template")
RENDER = ("9:16", "720p", True, 6, "bottom", "#FFFFFF", "None", None, 0.12)


def timed(client: Client, endpoint: str, waits: list[float]) -> None:
    started = time.monotonic()
    client.predict(*RENDER, api_name=endpoint)
    waits.append(time.monotonic() - started)


def at_once(clients: list[Client], busy: Client | None, sessions: Path) -> list[float]:
    """Every client asks for a preview at once (after ``busy`` started a render): their waits. Each
    project's render cache is emptied first, so every preview is made anew."""
    for cache in sessions.glob("*/project/cache"):
        shutil.rmtree(cache)
    waits: list[float] = []
    threads = []
    if busy is not None:
        threads.append(threading.Thread(target=timed, args=(busy, "/render", [])))
        threads[0].start()
        time.sleep(1.0)
    for client in clients:
        threads.append(threading.Thread(target=timed, args=(client, "/preview", waits)))
        threads[-1].start()
    for thread in threads:
        thread.join()
    return sorted(waits)


def line(name: str, waits: list[float]) -> str:
    p95 = waits[min(len(waits) - 1, round(0.95 * (len(waits) - 1)))]
    return f"| {name} | {statistics.median(waits):.1f} s | {p95:.1f} s | {waits[-1]:.1f} s |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        demo = studio_app.build_app(SessionStore(Path(root) / "sessions"), Limits())
        port = free_port()
        demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True)
        url = f"http://127.0.0.1:{port}/"
        clients = [Client(url, verbose=False) for _ in range(args.visitors + 1)]
        for client in clients:
            client.predict(*SCRIPT, api_name="/write_script")
            client.predict("card", 1, "", "band", None, api_name="/make_images")
            client.predict("piper", 1.0, 1, "", "", None, api_name="/narrate_all")
        busy, visitors = clients[0], clients[1:]
        print(f"{args.visitors} visitors, {studio_app.CONCURRENCY} job(s) of each kind at once")
        print("| previews asked at once | p50 wait | p95 wait | longest |\n|---|---|---|---|")
        sessions = Path(root) / "sessions"
        print(line("alone", at_once(visitors, None, sessions)))
        print(line("while one visitor renders 720p", at_once(visitors, busy, sessions)))
        demo.close()


if __name__ == "__main__":
    main()
