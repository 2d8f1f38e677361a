"""The bundled writer's lines under token rules (``writers/llama_lines.py``): how tokens are sorted, and
the real model (Gemma 3 270M on llama.cpp) writing under the rules, with what it read and picked."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from videocreator.backend import ScriptRequest
from videocreator.writers import llama_lines, llama_memory, local_llm
from videocreator.writers.llama_lines import ANY_LANGUAGE, ENGLISH, MAX_SENTENCES, sort_piece


@pytest.mark.parametrize(
    ("piece", "sorted_as"),
    [
        (" The", (True, True, True, False)),  # starts a line or a next sentence, goes inside one
        ("The", (True, False, True, False)),  # starts a line; a next sentence needs its space
        (" sky", (False, False, True, False)),
        (" sky.", (False, False, False, True)),
        ("!", (False, False, False, True)),
        (" 1969", (False, False, False, False)),  # digits: never
        ("\n", (False, False, False, False)),
        (' "', (False, False, False, False)),
        (" café", (False, False, False, False)),  # English rules: ASCII letters only
        ("\ufffd", (False, False, False, False)),  # a byte of a longer character
        ("  The", (False, False, True, False)),  # two spaces start no sentence
    ],
)
def test_english_rules_sort_each_token_by_its_text(piece: str, sorted_as: tuple[bool, ...]):
    assert sort_piece(piece, ENGLISH) == sorted_as


@pytest.mark.parametrize(
    ("piece", "sorted_as"),
    [
        (" vulcano", (True, True, True, False)),  # no capital needed
        (" 火山", (True, True, True, False)),
        ("。", (False, False, False, True)),
        (" بركان", (True, True, True, False)),
        ("\u0663", (False, False, False, False)),  # an Arabic-Indic digit
        ("\u0968\u0966", (False, False, False, False)),  # Devanagari digits
        ("\ufffd", (True, False, True, False)),  # a byte of a longer character: inside a sentence
        ('"', (False, False, False, False)),
    ],
)
def test_other_languages_refuse_digits_of_every_script_and_quotes(piece: str, sorted_as: tuple[bool, ...]):
    assert sort_piece(piece, ANY_LANGUAGE) == sorted_as


@pytest.fixture(scope="module")
def llm() -> Iterator[Any]:
    model = local_llm.load_model(str(local_llm.bundled_model()), 0)
    yield model
    model.close()


SHORT_LINES = (
    "Scene 1: The sun is hot and bright.\nScene 2: The moon is cold and pale.\n"
    "Scene 3: The sea is wet and deep.\nScene 4:"
)


def _write(llm: Any, document: str, cue: str, seed: int, max_tokens: int = 48) -> llama_lines.Line:
    return llama_lines.write_line(
        llm, document, ENGLISH, max_tokens=max_tokens, temperature=0.7, repeat_penalty=1.3, seed=seed, cue=cue
    )


@pytest.mark.slow
def test_the_rules_overrule_the_models_likeliest_token(llm: Any):
    """Counting invites a digit: the model's likeliest next token is one, and the rules pick a word."""
    document = 'Video script: "Counting"\nScene 1: One, two, three. Then 1, 2, 3, 4, '
    line = _write(llm, document, "Scene 1:", 1, max_tokens=8)
    first = line.points[0]
    assert first["options"][0]["token"] == "5" and first["options"][0]["p"] > 0.5, first
    assert line.text and not re.search(r"\d", line.text), line.text
    assert first["picked"].lstrip()[0].isupper() and first["picked"] in line.text


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "de"])
def test_lines_keep_the_rules_and_the_model_reads_only_what_is_new(
    llm: Any, language: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    request = ScriptRequest(topic="How volcanoes form", scenes=3, language=language)
    options = local_llm.LocalOptions()
    llm.reset()
    reply = local_llm.write_lines(llm, request, options)
    document = llm.tokenize(local_llm._document(request).encode() + b"Scene 1:", add_bos=True, special=False)

    log = reply["log"]
    assert sum(1 for line in reply["lines"] if line) >= 2, log
    assert log[0]["read"] == len(document), "the first line reads the whole document"
    for entry in log[1:]:
        assert entry["read"] < 40, f"the examples and earlier scenes are not read again: {entry}"
    for entry in log:
        raw, tokens = entry["raw"], entry["tokens"]
        assert not re.search(r"\d|\"|\n", raw), raw
        assert 0 < tokens <= options.max_tokens
        ends = len(re.findall(r"[.!?]", raw))
        assert ends <= MAX_SENTENCES, raw
        if language == "en":
            assert re.fullmatch(r"[A-Za-z ,'.!?-]+", raw) and raw.lstrip()[0].isupper(), raw
        for point in entry["next_tokens"]:
            if "picked" in point:
                assert point["picked"] in raw

    # A model process that starts afresh takes its state after the example scripts from the disk (0.7 s of
    # reading on two cores, in every make's script), and writes the same lines.
    (state,) = (tmp_path / "videocreator" / "states").iterdir()
    older = state.with_name(f"{state.stem.rpartition('-')[0]}-0123456789abcdef.bin")
    older.write_bytes(b"kept by another version")
    state.unlink()
    llm.reset()
    reply = local_llm.write_lines(llm, request, options)
    assert [p.name for p in state.parent.iterdir()] == [state.name], "the other version's dropped"
    llm.reset()
    again = local_llm.write_lines(llm, request, options)
    examples = len(llm.tokenize(local_llm.example_scripts().encode(), add_bos=True, special=False))
    assert again["log"][0]["read"] == len(document) - examples > 0
    assert again["lines"] == reply["lines"]

    # A state not to be taken: spoiled on the disk (llama.cpp takes one with a flipped byte silently), or
    # whole but refused by llama.cpp, after the model read another document that starts like this one.
    spoiled = bytearray(state.read_bytes())
    spoiled[len(spoiled) // 2] ^= 0xFF
    refused = b"\x00" * 64
    for kept in (bytes(spoiled), hashlib.sha256(refused).digest() + refused):
        state.write_bytes(kept)
        llm.reset()
        another = llm.tokenize(b'Video script: "Tides"\nScene 1:', add_bos=True, special=False)
        llama_memory.evaluate(llm, another)
        read_again = local_llm.write_lines(llm, request, options)
        assert read_again["log"][0]["read"] > len(document) - examples, "the model reads the examples"
        assert read_again["lines"] == reply["lines"]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_a_short_first_sentence_goes_on_to_a_second(llm: Any, seed: int):
    """Short example lines invite a short line; an English line ends after one sentence at 10 words."""
    line = _write(llm, SHORT_LINES, "Scene 4:", seed)
    assert len(re.findall(r"[.!?]", line.text)) == 2 or len(line.text.split()) >= ENGLISH.min_words, line.text


@pytest.mark.slow
def test_a_line_ends_where_the_model_starts_the_next_scene(llm: Any):
    line = _write(llm, SHORT_LINES, "Scene 4:", 0)
    assert line.text == " The sky is full of clouds and fog." and line.tokens < 12, line


@pytest.mark.slow
def test_picking_from_the_likeliest_candidates_is_picking_from_the_whole_vocabulary(llm: Any):
    """The same seed picks the same tokens from the top candidates as llama.cpp's own sampling does from
    all 262,144, while the repeat penalty pushes the picked tokens down and others come up."""
    import llama_cpp

    llama_memory.evaluate(llm, llm.tokenize(SHORT_LINES.encode(), add_bos=True, special=False))
    logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),)).copy()
    ours, theirs = (llama_lines._sampler(1.5, 2.0, seed=7) for _ in range(2))
    try:
        picked = [llama_lines._pick(ours, logits) for _ in range(60)]
        sampled = [llama_cpp.llama_sampler_sample(theirs, llm.ctx, -1) for _ in range(60)]
    finally:
        llama_cpp.llama_sampler_free(ours)
        llama_cpp.llama_sampler_free(theirs)
    assert picked == sampled
    assert len(set(picked)) > llama_lines.TOP_K // 2, "the penalty brought up tokens from further down"


def test_the_sorted_vocabulary_is_kept_on_disk_and_read_back_whole(
    llm: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    llama_lines.vocabulary.cache_clear()
    sorted_here = llama_lines.vocabulary(llm, ENGLISH)
    kept = list((tmp_path / "videocreator" / "vocabularies").glob("*.npz"))
    assert len(kept) == 1
    llama_lines.vocabulary(llm, ANY_LANGUAGE)
    assert len(list(kept[0].parent.glob("*.npz"))) == 2, "other rules, another file"

    def never(llm: Any, rules: llama_lines.LineRules) -> llama_lines.Vocabulary:
        raise AssertionError("sorted again, not read from disk")

    llama_lines.vocabulary.cache_clear()
    with monkeypatch.context() as patched:
        patched.setattr(llama_lines, "_sorted", never)
        read = llama_lines.vocabulary(llm, ENGLISH)
    assert read.pieces == sorted_here.pieces and read.rules is ENGLISH
    for name in llama_lines._ARRAYS:
        np.testing.assert_array_equal(getattr(read, name), getattr(sorted_here, name))

    for spoiled in (b"", b"PK\x03\x04 not a whole file"):
        kept[0].write_bytes(spoiled)
        llama_lines.vocabulary.cache_clear()
        again = llama_lines.vocabulary(llm, ENGLISH)
        assert again.pieces == sorted_here.pieces, "a spoiled file is sorted again"
    llama_lines.vocabulary.cache_clear()


def _chosen(threads: llama_lines.Threads, tokens: int, seconds: dict[int, float]) -> list[int]:
    """The counts ``threads`` chooses for ``tokens`` tokens that take ``seconds[count]`` each."""
    picked = []
    for _ in range(tokens):
        count = threads.choose()
        threads.took(count, seconds[count])
        picked.append(count)
    return picked


def test_the_writer_keeps_to_the_faster_thread_count_as_the_machine_changes():
    """Two threads write a token in 2/3 of one's time on idle cores, in twice its time beside a busy core:
    each count is tried, the faster writes, and the slower is tried again now and then."""
    threads = llama_lines.Threads(2)
    busy = _chosen(threads, 120, {1: 0.025, 2: 0.05})
    trial = 2 * llama_lines.TRIAL
    assert busy[:trial] == [2] * llama_lines.TRIAL + [1] * llama_lines.TRIAL
    assert busy[trial:].count(1) >= 0.9 * (120 - trial), "one thread writes while a core is busy"
    assert 2 in busy[trial:], "two are tried again"
    idle = _chosen(threads, 120, {1: 0.025, 2: 0.017})
    assert idle[llama_lines.RETRY :].count(2) >= 0.9 * (120 - llama_lines.RETRY), "the core is free again"
    assert set(_chosen(llama_lines.Threads(1), 20, {1: 0.025})) == {1}


@pytest.mark.slow
def test_lines_written_on_two_threads_are_the_lines_written_on_one():
    """Two threads (or one, as ``Threads`` chooses token by token) write the lines one thread writes."""
    request = ScriptRequest(topic="How volcanoes form", scenes=2)
    lines = []
    for threads in (2, 1):
        model = local_llm.load_model(str(local_llm.bundled_model()), threads)
        try:
            lines.append(local_llm.write_lines(model, request, local_llm.LocalOptions())["lines"])
        finally:
            model.close()
    assert lines[0] == lines[1]
