"""The studio's wiring: the page's events connected to the handlers, the public API's endpoints named (UI-only
events kept out of it), the queues, and the studio built and launched."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

from .. import settings
from ..errors import VideoCreatorError
from ..limits import Limits
from ..sessions import SessionStore
from .handlers import Studio
from .page import CSS, Page, layout
from .queues import HEAVY, PREVIEW, RENDER, SHORT, first_estimates, queue, yielding


def picked_scene(event: gr.SelectData) -> int:
    """The scene number of the gallery's picture the person clicked."""
    return int(event.index) + 1


def _variant(handler: Callable[..., Any], doc: str, **fixed: Any) -> Callable[..., Any]:
    """``handler`` with some parameters fixed: an endpoint of its own, with its own description."""
    variant = functools.partial(handler, **fixed)
    variant.__doc__, variant.__name__ = doc, handler.__name__  # type: ignore[attr-defined]
    return variant


def wire(page: Page, studio: Studio, server: settings.ServerSettings) -> dict[int, str]:
    """Connect the page's events to the studio's handlers, heavy jobs and short ones each in their queue
    running the server's ``heavy_jobs`` at once (the heavy ones yielding the cores to the short ones);
    name the public API endpoints. Returns the ids of the events in the two queues, each with the job it
    runs (its name for ``queues.first_seconds``)."""
    s, p, v, session = page.script, page.images, page.voice, page.session
    at_once = server.heavy_jobs
    view, heavy, short = page.project_view, queue(HEAVY, at_once), queue(SHORT, at_once)
    private: dict[str, Any] = {"api_visibility": "private"}

    script_inputs = [session, s.topic, s.scenes, s.audience, s.tone, s.language, s.writer]
    script_inputs += [s.start_from, s.text, s.text_file, s.mode, s.length]
    s.start_from.change(studio.start_from, s.start_from, [s.own_text, s.scenes, s.topic], **private)
    s.mode.change(studio.text_mode, s.mode, s.length, **private)
    at_table = {
        "show_progress_on": [s.table]
    }  # one progress bar, where the step works, not on all it updates
    write = s.write.click(
        yielding(studio.write_script), script_inputs, view, api_name="write_script", **heavy, **at_table
    )
    s.save.click(studio.save_script, [session, s.title, s.table, s.number], view, api_name="save_script")
    s.add.click(studio.add_scene, [session], view, api_name="add_scene")
    s.delete.click(studio.delete_scene, [session, s.number], view, api_name="delete_scene")
    s.up.click(studio.move_up, [session, s.number], view, api_name="move_up")
    s.down.click(studio.move_down, [session, s.number], view, api_name="move_down")
    s.number.change(
        studio.select,
        [session, s.number],
        [p.selected, p.prompt, p.pictograms, v.selected, v.waveform],
        **private,
    )
    p.gallery.select(picked_scene, None, s.number, **private)

    picture_options = [p.model, p.style, p.steps]
    for trigger in (p.backend.change, page.blocks.load):
        trigger(studio.picture_options, p.backend, picture_options, **private)
    make_images = p.make.click(
        yielding(studio.make_images),
        [session, p.backend, s.number, *picture_options],
        view,
        api_name="make_images",
        **heavy,
        show_progress_on=[p.gallery],
    )
    regenerate = p.regenerate.click(
        studio.regenerate_image,
        [session, s.number, p.prompt, p.backend, *picture_options],
        view,
        api_name="regenerate_image",
        **short,
        show_progress_on=[p.selected],
    )
    upload = p.upload.upload(
        studio.upload_image, [session, s.number, p.upload], view, api_name="upload_image", **short
    )
    p.pictogram_search.submit(
        studio.search_pictograms,
        [p.pictogram_search, s.language],
        p.pictogram_choice,
        api_name="search_pictograms",
    )
    p.use_pictograms.click(
        studio.choose_pictograms, [session, s.number, p.pictogram_choice], view, api_name="choose_pictograms"
    )
    p.auto_pictograms.click(studio.let_words_choose, [session, s.number], view, api_name="let_words_choose")
    p.undo.click(studio.undo_image, [session, s.number], view, api_name="undo_image")

    add_voice = v.add_voice.click(
        yielding(studio.add_voice), [session, v.voice_name], [session, v.added], api_name="add_voice", **heavy
    )
    voice_options = [v.model, v.speaker, v.recording]
    for trigger in (v.backend.change, page.blocks.load):
        trigger(studio.voice_options, v.backend, voice_options, **private)
    voice_inputs = [session, v.backend, v.speed, s.number, *voice_options, v.pronunciations, v.tighten_pauses]
    at_status = {"show_progress_on": [v.status]}
    narrate_all = v.narrate_all.click(
        yielding(studio.narrate), voice_inputs, view, api_name="narrate_all", **heavy, **at_status
    )
    one = _variant(
        studio.narrate,
        "Narrate scene number `scene` again, with the parameters of `narrate_all`.",
        only_selected=True,
    )
    narrate_one = v.narrate_one.click(one, voice_inputs, view, api_name="narrate_scene", **short, **at_status)

    r_in, r_out = page.render_inputs, page.render_outputs
    quick = _variant(
        studio.render, "A quick 360p preview of the video, with the parameters of `render`.", preview=True
    )
    at_video = {"show_progress_on": [page.render.video]}
    preview = page.render.preview.click(quick, r_in, r_out, api_name="preview", **short, **at_video)
    render = page.render.render.click(
        yielding(studio.render), r_in, r_out, api_name="render", **heavy, **at_video
    )
    make_all = s.make_all.click(
        yielding(studio.write_script), script_inputs, view, api_name="make_all", **heavy, **at_table
    )
    make_all_render = make_all.success(yielding(studio.render), r_in, r_out, **heavy, **private, **at_video)
    open_zip = page.project_zip.upload(
        yielding(studio.open_zip), [session, page.project_zip], view, api_name="open_zip", **heavy, **at_table
    )

    long_steps = [write, make_images, regenerate, narrate_all, narrate_one, preview, render, add_voice]
    gr.on(
        [button.click for button in page.stop_buttons],
        studio.stop,
        [session],
        None,
        cancels=[*long_steps, make_all, make_all_render],
        queue=False,
        api_name="stop",
    )
    jobs = [(write, "write_script"), (make_images, "make_images"), (regenerate, "regenerate_image")]
    jobs += [(upload, "upload_image"), (add_voice, "add_voice"), (narrate_all, "narrate_all")]
    jobs += [(narrate_one, "narrate_scene"), (preview, PREVIEW), (render, RENDER), (make_all, "write_script")]
    jobs += [(make_all_render, RENDER), (open_zip, "open_zip")]
    return {event["id"]: job for event, job in jobs}


def build_app(
    store: SessionStore | None = None,
    limits: Limits | None = None,
    server: settings.ServerSettings | None = None,
) -> gr.Blocks:
    """The studio for one server: its session folders, its limits and its own settings (by default from
    the config file and the environment)."""
    store = store or SessionStore()
    limits = limits if limits is not None else settings.limits()
    server = server or settings.server()
    defaults = settings.resolve()
    page = layout(defaults, limits, store)
    with page.blocks:
        jobs = wire(page, Studio(page, store, limits), server)
    page.blocks.queue(default_concurrency_limit=server.heavy_jobs)
    first_estimates(page.blocks, jobs, defaults)
    return page.blocks


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The VideoCreator studio (GRADIO_SERVER_NAME/PORT apply).")
    parser.add_argument(
        "--heavy-jobs", type=int, help="heavy jobs (renders, scripts) at once; default one per two cores"
    )
    args = parser.parse_args(argv)
    try:
        server = settings.server({"heavy_jobs": args.heavy_jobs})
    except VideoCreatorError as exc:
        parser.error(str(exc))
    settings.declare_heavy_jobs(server.heavy_jobs)  # the local writer's threads share the cores by it
    app = build_app(server=server)
    app.launch(theme=gr.themes.Soft(primary_hue="indigo", secondary_hue="pink"), css=CSS)


if __name__ == "__main__":
    main()
