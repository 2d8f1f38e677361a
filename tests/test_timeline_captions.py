import itertools

import pytest

from videocreator.render import captions
from videocreator.render.timeline import FIRST_LEAD_S, build


def test_scenes_overlap_by_the_transition_and_voice_avoids_crossfades():
    timeline = build([2.0, 3.0, 1.5], fps=30)
    a, b, c = timeline.slots
    assert (a.fade_in, a.fade_out, b.fade_in, c.fade_out) == (0, 12, 12, 0)
    assert b.start == a.end - 12 and c.start == b.end - 12
    assert timeline.frames == c.end
    for slot in timeline.slots:
        body_start, body_end = slot.body
        assert body_start / 30 <= slot.voice_start
        assert slot.voice_start + slot.voice_duration <= body_end / 30
    assert a.voice_frame == round(FIRST_LEAD_S * 30)


def test_single_scene_has_no_transition():
    (only,) = build([4.0], fps=30).slots
    assert only.fade_in == only.fade_out == 0


def test_chunks_are_short_and_keep_every_word():
    sentence = "Volcanoes form where hot magma rises, pushing through cracks in the crust of the Earth."
    pieces = captions.chunk(sentence, max_words=5)
    assert " ".join(pieces) == sentence
    assert all(len(p.split()) <= 6 for p in pieces)
    assert pieces[0].endswith("rises,")


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "Honey bees collect nectar from flowers with their long tongues."),
        ("en", "Volcanoes form where hot magma rises, pushing through cracks in the crust of the Earth."),
        ("de", "Die Bienen tragen den Nektar in einem besonderen Magen nach Hause zu ihrem Stock."),
        ("fr", "Les abeilles rapportent le nectar dans un estomac spécial jusqu'à la ruche."),
    ],
)
def test_a_caption_never_ends_on_a_word_that_leans_on_the_next(language: str, sentence: str):
    pieces = captions.chunk(sentence, max_words=5, language=language)
    assert " ".join(pieces) == sentence
    leaning = captions.leaning_words(language)
    assert not [p for p in pieces[:-1] if p.split()[-1].lower() in leaning], pieces
    assert all(len(p.split()) <= 6 for p in pieces)


def test_unspaced_scripts_are_chunked_by_characters():
    sentence = "火山は地下のマグマが地表に噴き出すことでできる山です。長い時間をかけて成長します。"
    pieces = captions.chunk(sentence, max_words=5)
    assert "".join(pieces) == sentence
    assert all(len(p) <= captions.CJK_CHUNK_CHARS for p in pieces)


def test_unspaced_captions_are_cut_between_words_never_inside_one():
    """Japanese is cut after a clause's mark or where a particle meets the next word, never inside a word
    of katakana ("マ|グマ" was shown); no last piece of one character ("生|长。")."""
    for sentence in (
        "地下深くで岩がとけてマグマになります。",
        "マグマはまわりの岩より軽いので、上にのぼります。",
    ):
        pieces = captions.chunk(sentence, max_words=4, language="ja")
        assert "".join(pieces) == sentence and any("マグマ" in p for p in pieces), pieces
        assert all(len(p) <= captions.CJK_CHUNK_CHARS for p in pieces)
    assert captions.chunk("地下深くで岩がとけてマグマになります。", 4, "ja") == [
        "地下深くで岩がとけて",
        "マグマになります。",
    ]
    assert captions.chunk("长时间以后，植物又会生长。", 4, "zh") == ["长时间以后，", "植物又会生长。"]


def test_cues_fill_each_sentence_span_exactly():
    spans = [("One two three four five six seven.", 0.0, 2.0), ("Eight nine.", 2.3, 3.1)]
    cues = captions.cues_for(spans, offset=10.0, max_words=3)
    assert cues[0].start == 10.0
    assert abs(cues[-1].end - 13.1) < 1e-9
    for before, after in itertools.pairwise(cues):
        assert after.start >= before.end - 1e-9


def test_srt_format():
    srt = captions.to_srt([captions.Cue("Hello there", 0.35, 61.5), captions.Cue("Bye", 3661.0, 3662.25)])
    assert srt.splitlines()[:3] == ["1", "00:00:00,350 --> 00:01:01,500", "Hello there"]
    assert "01:01:01,000 --> 01:01:02,250" in srt
