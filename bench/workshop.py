"""A workshop on one server: how long visitors wait when they all ask at once (never asserted in a test).

    python bench/workshop.py [--visitors 10]

Serves the studio on loopback (offline backends), gives each visitor a two-scene project (template
script, offline pictures, Piper voice), then times, from the moment each visitor asks until their
answer arrives: (1) every visitor asking for a 360p preview at once; (2) the same while one visitor
renders the 1080p video. Prints p50, p95 and the longest wait of each; of the visitors the queue told
their place, how many it told an estimate, and the median of what that first estimate came to over
the real wait; how long the render took and how many previews ended after it; the machine's cores and
the queues the studio serves them in (the studio's own settings: ``VIDEOCREATOR_HEAVY_JOBS`` or
``[studio] heavy_jobs`` change them).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gradio_client import Client
from gradio_client.utils import Status

from tests.conftest import free_port
from videocreator.limits import Limits
from videocreator.sessions import SessionStore
from videocreator.studio import wiring as studio_app

SCRIPT = ("Why the sky is blue", 2, "a general audience", "friendly and clear", "en", "template")
RENDER = ("9:16", "1080p", True, 6, "bottom", "#FFFFFF", "None", None, 0.12)


@dataclass
class Visit:
    """One visitor's ask: how long until the answer, and what the queue told them meanwhile."""

    wait: float = 0.0
    end: float = 0.0
    placed: bool = False  # told their place in the queue
    guess: float | None = None  # the wait the first estimate they were told came to (from asking)


def ask(client: Client, endpoint: str, visit: Visit) -> None:
    started = time.monotonic()
    job = client.submit(*RENDER, api_name=endpoint)
    while not job.done():
        status = job.status()
        if status.code == Status.IN_QUEUE and status.rank is not None:
            visit.placed = True
            if visit.guess is None and status.eta is not None:
                visit.guess = time.monotonic() - started + status.eta
        time.sleep(0.05)
    job.result()
    visit.end = time.monotonic()
    visit.wait = visit.end - started


def at_once(clients: list[Client], busy: Client | None, sessions: Path) -> tuple[list[Visit], str]:
    """Every client asks for a preview at once (after ``busy`` started a 1080p render): their visits,
    and how the render went. Each project's render cache is emptied first, so every video is made anew."""
    for cache in sessions.glob("*/project/cache"):
        shutil.rmtree(cache)
    visits = [Visit() for _ in clients]
    render = Visit()
    threads = []
    if busy is not None:
        threads.append(threading.Thread(target=ask, args=(busy, "/render", render)))
        threads[0].start()
        time.sleep(1.0)
    for client, visit in zip(clients, visits, strict=True):
        threads.append(threading.Thread(target=ask, args=(client, "/preview", visit)))
        threads[-1].start()
    for thread in threads:
        thread.join()
    if busy is None:
        return visits, ""
    after = sum(visit.end > render.end for visit in visits)
    return visits, f"the 1080p render took {render.wait:.1f} s; {after} preview(s) ended after it"


def queues(demo: Any) -> str:
    """The queues the studio serves the render and the preview in, and how many each runs at once."""
    fns = {fn.api_name: fn for fn in demo.fns.values()}
    return "; ".join(
        f"/{name} in queue {fns[name].concurrency_id!r} ({fns[name].concurrency_limit} at once)"
        for name in ("render", "preview")
    )


def line(name: str, visits: list[Visit]) -> str:
    waits = sorted(visit.wait for visit in visits)
    p95 = waits[min(len(waits) - 1, round(0.95 * (len(waits) - 1)))]
    placed = [visit for visit in visits if visit.placed]
    guessed = [visit.guess / visit.wait for visit in placed if visit.guess is not None]
    told = f"{len(guessed)} of {len(placed)}"
    ratio = f"{statistics.median(guessed):.2f}" if guessed else "-"
    return (
        f"| {name} | {statistics.median(waits):.1f} s | {p95:.1f} s | {waits[-1]:.1f} s | {told} | {ratio} |"
    )


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
        print(f"{args.visitors} visitors, {os.cpu_count()} cores; {queues(demo)}")
        print(
            "| previews asked at once | p50 wait | p95 wait | longest | told an estimate | estimate / wait |"
        )
        print("|---|---|---|---|---|---|")
        sessions = Path(root) / "sessions"
        alone, _ = at_once(visitors, None, sessions)
        print(line("alone", alone))
        beside, render = at_once(visitors, busy, sessions)
        print(line("while one visitor renders 1080p", beside))
        print(render)
        demo.close()


if __name__ == "__main__":
    main()
