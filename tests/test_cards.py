"""The title and end cards, and text that never dissolves through other text, read back from real MP4s."""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from tests.conftest import decode_audio, probe, rms
from videocreator import cli, credits, pipeline, settings
from videocreator.backend import Speech
from videocreator.errors import InputError
from videocreator.images import layers
from videocreator.project import CaptionStyle, OwnText, Project, Scene, Settings, StageChoice, textless_file
from videocreator.render import audio, encoder, frames, renderer
from videocreator.render.cards import END_S, TITLE_S, Cards
from videocreator.source import sections
from videocreator.typography import render_text

W, H, FPS = 360, 640, 30
HEADLINES = ("Water striders", "Notices")  # drawn in the same place: dissolved, they read "SWatteriices"
TITLE = "How water striders walk"
CREDITS = ("Type: Noto Sans (SIL Open Font License 1.1)", credits.MUSIC)


def _scene(folder: Path, n: int, seconds: float) -> renderer.SceneInput:
    """A textured flat picture with its headline in white at the top, the same picture without it beside,
    and a tone as its narration."""
    rng = np.random.default_rng(n)
    colour = np.array([(60, 90, 150), (150, 70, 60)][n], dtype=np.float32)
    plain = Image.fromarray(np.clip(colour + rng.normal(0, 10, (H, W, 3)), 0, 255).astype(np.uint8))
    text = render_text(HEADLINES[n], size=44, max_width=W - 80)
    picture = plain.copy()
    picture.paste(text, ((W - text.width) // 2, 150), text)
    image = folder / f"image-{n}.png"
    picture.save(image)
    layers.under_text(picture, plain).save(folder / textless_file(image.name))
    rate = 22050
    t = np.arange(int(seconds * rate)) / rate
    voice = folder / f"voice-{n}.wav"
    words = [("Scene", 0.0, 0.4), (str(n), 0.4, 0.8), ("speaks", 0.8, seconds)]
    audio.write_wav(voice, Speech(0.4 * np.sin(2 * np.pi * 440 * t).astype(np.float32), rate, []))
    return renderer.SceneInput(
        image, f"img-{n}", voice, f"voice-{n}", seconds, ((f"Scene {n} speaks", 0.0, seconds),),
        tuple(words), folder / textless_file(image.name),
    )  # fmt: skip


def _render(folder: Path, scenes: list[renderer.SceneInput], cards: Cards | None) -> renderer.RenderResult:
    return renderer.render(
        scenes, out=folder / "video.mp4", srt=folder / "captions.srt", cache=folder / "cache", width=W,
        height=H, fps=FPS, style=CaptionStyle(style="highlight"), music=None, music_volume=0.1, cards=cards,
    )  # fmt: skip


def luma(path: Path) -> list[np.ndarray]:
    """The Y plane of every frame, as decoded (the frames are made and encoded in I420)."""
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="yuv420p")[:H].astype(np.float64) for f in container.decode(video=0)]


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, list[renderer.SceneInput], Cards]:
    """The same two scenes rendered without cards (as before them) and with both cards."""
    folder = tmp_path_factory.mktemp("cards")
    scenes = [_scene(folder, 0, 1.2), _scene(folder, 1, 1.0)]
    cards = Cards(TITLE, CREDITS)
    for name, with_cards in (("plain", None), ("carded", cards)):
        (folder / name).mkdir()
        _render(folder / name, scenes, with_cards)
    return folder, scenes, cards


class Reference:
    """What the renderer puts in a slot's frames (its picture moving, with or without its text), to compare
    decoded frames with."""

    def __init__(self, still: renderer.Still, frames_on_screen: int):
        motion = frames.Motion.seeded(still.key)
        picture, made_textless = still.load(W, H)
        self.full = frames.StillShot(picture, motion, frames_on_screen)
        textless = made_textless()
        self.plain = frames.StillShot(textless, motion, frames_on_screen) if textless is not None else None

    def luma(self, index: int, text: bool = True) -> np.ndarray:
        shot = self.full if text or self.plain is None else self.plain
        return shot.frame(index)[:H].astype(np.float64)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255**2 / max(1e-9, np.mean((a - b) ** 2))))


def _text_shown(frame: np.ndarray, a: Reference, a_at: int, b: Reference, b_at: int) -> tuple[float, float]:
    """How much of each picture's text a crossfade frame shows (1: all of it): the frame as a sum of both
    textless pictures and both texts (picture minus textless), by least squares."""
    columns = [
        a.luma(a_at, False), a.luma(a_at) - a.luma(a_at, False),
        b.luma(b_at, False), b.luma(b_at) - b.luma(b_at, False),
    ]  # fmt: skip
    weights = np.linalg.lstsq(np.stack([c.ravel() for c in columns], 1), frame.ravel(), rcond=None)[0]
    return float(weights[1]), float(weights[3])


def _plan(scenes: list[renderer.SceneInput], cards: Cards | None) -> renderer.Plan:
    return renderer.Plan(scenes, W, H, FPS, CaptionStyle(), cards=cards)


@pytest.mark.parametrize("pair", ["title→1", "1→2", "2→end"])
def test_text_fades_out_and_in_around_a_crossfade_never_through_other_text(made, pair):
    folder, scenes, cards = made
    plan = _plan(scenes, cards)
    shots = plan.timeline.shots
    n = {"title→1": 0, "1→2": 1, "2→end": 2}[pair]
    first, second = shots[n], shots[n + 1]
    a, b = Reference(plan.stills[first], first.frames), Reference(plan.stills[second], second.frames)
    decoded = luma(folder / "carded" / "video.mp4")
    shown = [
        _text_shown(decoded[second.start + i], a, second.start + i - first.start, b, i)
        for i in range(first.fade_out)
    ]
    for i, (out, into) in enumerate(shown):
        assert min(out, into) < 0.05, (
            f"frame {i} of {first.fade_out}: both texts show ({out:.2f}, {into:.2f})"
        )
    assert shown[0][0] > 0.7 and shown[-1][1] > 0.7, f"each text shows at its end of the crossfade: {shown}"


def test_the_video_opens_on_its_title_card_and_closes_on_its_credits(made):
    folder, scenes, cards = made
    plan = _plan(scenes, cards)
    title, end = plan.timeline.title, plan.timeline.end
    decoded = luma(folder / "carded" / "video.mp4")
    opening, closing = Reference(plan.stills[title], title.frames), Reference(plan.stills[end], end.frames)
    scene = Reference(plan.stills[plan.timeline.slots[0]], plan.timeline.slots[0].frames)
    for i in (0, title.frames // 2):
        assert _psnr(decoded[i], opening.luma(i)) > 35, f"frame {i} is the title card"
        assert _psnr(decoded[i], opening.luma(i, text=False)) < 30, f"frame {i} shows the title"
        assert _psnr(decoded[i], scene.luma(i)) < 20
    last = end.frames - 1
    assert _psnr(decoded[-1], closing.luma(last)) > 35, "the last frame is the end card"
    no_credits = Reference(renderer.Still.of_card(Cards(TITLE, ()), "end"), end.frames)
    assert _psnr(decoded[-1], no_credits.luma(last)) < 30, "with its credits"


def test_the_cards_add_their_length_and_the_narration_starts_after_the_title(made):
    folder, scenes, _ = made
    plain, carded = probe(folder / "plain" / "video.mp4"), probe(folder / "carded" / "video.mp4")
    assert carded.frames == plain.frames + round(TITLE_S * FPS) + round(END_S * FPS)
    assert abs(carded.video_duration - (plain.video_duration + TITLE_S + END_S)) < 1e-6
    assert abs(carded.audio_duration - carded.video_duration) < 1 / FPS
    samples, rate = decode_audio(folder / "carded" / "video.mp4")
    voice_start = _plan(scenes, Cards(TITLE)).timeline.slots[0].voice_start
    assert voice_start > TITLE_S
    assert rms(samples[: int((voice_start - 0.02) * rate)]) < 0.005, "no narration under the title"
    assert rms(samples[int((voice_start + 0.02) * rate) : int((voice_start + 0.5) * rate)]) > 0.1


def _stamps(text: str) -> list[float]:
    return [
        int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000
        for h, m, s, ms in re.findall(r"(\d\d):(\d\d):(\d\d)[,.](\d\d\d)", text)
    ]


@pytest.mark.parametrize("name", ["captions.srt", "captions.vtt"])
def test_captions_and_word_times_move_with_the_title(made, name):
    folder, _, _ = made
    plain, carded = ((folder / kind / name).read_text(encoding="utf-8") for kind in ("plain", "carded"))
    before, after = _stamps(plain), _stamps(carded)
    assert len(before) == len(after) >= 4 and "speaks" in carded
    assert all(abs(b + TITLE_S - a) < 0.0015 for b, a in zip(before, after, strict=True)), (before, after)


def test_without_its_cards_the_video_is_the_one_before_them(made, tmp_path: Path):
    folder, scenes, _ = made
    off = Cards(TITLE, CREDITS, title_card=False, end_card=False)
    result = _render(tmp_path, scenes, off)
    assert [p["label"] for p in result.pieces] == ["scene 1", "transition 1→2", "scene 2"]
    before, now = luma(folder / "plain" / "video.mp4"), luma(tmp_path / "video.mp4")
    assert len(now) == len(before) and all(np.array_equal(a, b) for a, b in zip(now, before, strict=True))


def test_turning_the_title_card_off_reencodes_only_what_it_moved(made, tmp_path: Path):
    _, scenes, cards = made
    first = _render(tmp_path, scenes, cards)
    assert [p["label"] for p in first.pieces] == [
        "title card", "transition title→1", "scene 1", "transition 1→2", "scene 2", "transition 2→end",
        "end card",
    ]  # fmt: skip
    again = _render(tmp_path, scenes, Cards(TITLE, CREDITS, title_card=False))
    encoded = [p["label"] for p in again.pieces if not p["reused"]]
    # Scene 1 no longer fades in: its motion spans fewer frames, up to its crossfade into scene 2.
    assert encoded == ["scene 1", "transition 1→2"]
    assert probe(tmp_path / "video.mp4").frames == first.frames - round(TITLE_S * FPS)


# ---- what the cards say -------------------------------------------------------------------------------


def _project(
    title: str, *, music: str = "default", pictograms: bool = True, captions: bool = True
) -> Project:
    project = Project(topic=title, title=title, settings=Settings(music=music))
    project.settings.captions.enabled = captions
    details = {"pictograms": [{"char": "🌋"}] if pictograms else [], "headline": "Hot magma"}
    project.scenes = [Scene("01", "Magma rises. Лава течёт.", "", image_details=details)]
    return project


def test_the_credits_name_only_what_the_video_used():
    every = credits.for_project(_project("Volcanoes"))
    assert credits.PICTOGRAMS in every and credits.MUSIC in every
    assert "Type: Noto Sans (SIL Open Font License 1.1)" in every
    assert credits.PICTOGRAMS not in credits.for_project(_project("Volcanoes", pictograms=False))
    assert credits.MUSIC not in credits.for_project(_project("Volcanoes", music="none"))
    own_music = credits.for_project(_project("Volcanoes", music="media/music-0123.mp3"))
    assert credits.MUSIC not in own_music, "a person's own track is theirs to credit"


def test_the_credits_name_the_typefaces_of_every_script_shown():
    lines = credits.for_project(_project("البراكين 火山"))
    assert "Type: Noto Sans, Noto Sans Arabic (SIL Open Font License 1.1)" in lines
    assert "Type: Droid Sans Fallback (Apache License 2.0)" in lines
    hindi = _project("ज्वालामुखी")
    hindi.scenes[0].narration = "עברית"
    assert any("Noto Sans Hebrew" in line for line in credits.for_project(hindi)), "the captions' script"
    hindi.settings.captions.enabled = False
    lines = credits.for_project(hindi)
    assert not any("Hebrew" in line for line in lines) and any("Devanagari" in line for line in lines)


def test_the_cards_are_settings_reached_from_config_environment_and_the_command_line():
    assert Settings().title_card and Settings().end_card
    assert settings.resolve(environ={"VIDEOCREATOR_TITLE_CARD": "false"}).title_card is False
    args = cli.parser().parse_args(["make", "bees", "--out", "p", "--no-end-card"])
    assert cli._stage_overrides(args) == {"end_card": False}


def test_a_batch_section_is_titled_by_its_heading_and_its_card_pictures_keep_their_text_apart(tmp_path):
    course = (
        "# Tides\n\nThe moon pulls on the sea.\n\n# Volcanoes erupt\n\nHot magma rises through the crust."
    )
    part = sections(course)[1]
    folder = pipeline.new_project(
        part.title, tmp_path / "p", own_text=OwnText(part.text),
        settings=Settings(script=StageChoice("text"), resolution="360p", music="none"),
    )  # fmt: skip
    pipeline.write_script(folder)
    assert Cards.of(folder.project).title == "Volcanoes erupt"
    pipeline.make_images(folder)
    pipeline.narrate_all(folder)
    scene = folder.project.scenes[0]
    kept = folder.path(textless_file(scene.image))
    assert kept.stat().st_size < 0.15 * folder.path(scene.image).stat().st_size, "only what is under the text"
    with Image.open(folder.path(scene.image)) as picture, Image.open(kept) as under:
        drawn, textless = np.asarray(picture, float), np.asarray(layers.without_text(picture, under), float)
    differs = np.abs(drawn - textless).max(axis=2) > 24
    assert 0.002 < differs.mean() < 0.2, "the headline and badges are taken out, nothing else"
    (only,) = pipeline.scene_inputs(folder)
    assert renderer.Still.of_scene(only).layered


def _claiming(png: bytes, width: int, height: int) -> bytes:
    """A PNG whose header claims another size (its CRC made right)."""
    header = png[12:16] + struct.pack(">II", width, height) + png[24:29]
    return png[:12] + header + struct.pack(">I", zlib.crc32(header)) + png[33:]


def test_a_damaged_or_foreign_textless_layer_only_loses_the_texts_fade(made, tmp_path: Path):
    _, scenes, _ = made
    kept = tmp_path / "layer.png"
    Image.new("RGBA", (W * 2, H)).save(kept)  # not this picture's
    assert not renderer.Still.of_scene(replace(scenes[0], textless=kept)).layered
    kept.write_bytes(_claiming(kept.read_bytes(), 30_000, 30_000))  # a bomb
    assert not renderer.Still.of_scene(replace(scenes[0], textless=kept)).layered
    kept.write_bytes(b"not a picture")
    assert not renderer.Still.of_scene(replace(scenes[0], textless=kept)).layered
    good = scenes[0].textless.read_bytes()
    kept.write_bytes(good[: len(good) // 3])  # its header says it fits; its pixels end early
    damaged = [replace(scenes[0], textless=kept), scenes[1]]
    assert not renderer.Still.of_scene(damaged[0]).layered, "drawn without its layer, keyed so"
    bare = [replace(scenes[0], textless=None), scenes[1]]
    assert _keys(damaged) == _keys(bare), "each piece is cached under what it shows"
    result = _render(tmp_path, damaged, None)
    assert probe(result.video).frames == result.frames


def _keys(scenes: list[renderer.SceneInput]) -> list[str]:
    return [segment.key for segment in _plan(scenes, None).segments(encoder.FINAL)]


def test_a_layer_damaged_during_the_render_stops_it_rather_than_cache_a_piece_without_it(made, tmp_path):
    _, scenes, _ = made
    kept = tmp_path / "layer.png"
    good = scenes[0].textless.read_bytes()
    kept.write_bytes(good)
    still = renderer.Still.of_scene(replace(scenes[0], textless=kept))
    assert still.layered
    _, textless = still.load(W, H)
    kept.write_bytes(good[: len(good) // 3])
    with pytest.raises(InputError, match=r"layer\.png changed during the render"):
        textless()
