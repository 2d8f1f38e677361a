"""One line of text from a llama.cpp model, under rules on whole tokens, with the model's own next-token
probabilities at the line's first tokens.

The rules say what a line may look like: one or two sentences of words, no digits (so the model cannot
invent numbers), ending only where a sentence ends, at a new line or the end of the text (in English once
it has 10 words, else it goes on to a second sentence), or after its second sentence. They work on whole
tokens: each token of the model's vocabulary is sorted once per model into classes by its text (a word, a
word that ends a sentence, one that may start a line...), and at each step the tokens that the line's
state does not allow get a logit of minus infinity; llama.cpp's samplers (repeat penalty, top-k, top-p,
min-p, temperature) then pick one from the likeliest ``CANDIDATES`` tokens left, the same pick as from
all of them. A token costs a fraction of a millisecond that way; llama.cpp's grammar sampler, which these
rules replace, matched each of Gemma's 262,144 tokens against a grammar at every step and took half the
time, and its samplers spent 2.5 ms a token going through the whole vocabulary.

The model is given the document through ``llama_memory.evaluate``, which keeps what llama.cpp has already
read of it (the example scripts, the scenes before) and reads only the rest. Each token is written on the
threads ``Threads`` finds faster: the job's cores, or one where another busy core slows them.
"""

from __future__ import annotations

import contextlib
import ctypes
import time
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .. import files
from ..errors import DiskFull
from ..keys import code_digest, kept_in_cache
from .llama_memory import evaluate

PENALTY_LAST_N = 64
TOP_K = 40
TOP_P = 0.9
MIN_P = 0.05
# The repeat penalty lowers at most PENALTY_LAST_N tokens, so the top TOP_K after it are among these.
CANDIDATES = TOP_K + PENALTY_LAST_N
MAX_SENTENCES = 2
MIN_SENTENCE_CHARS = 12  # before a sentence may end
ENDS = ".!?。！？"
# For the first PROBED_TOKENS tokens of each line, the trace keeps the model's TOP_TOKENS likeliest ones.
PROBED_TOKENS = 3
TOP_TOKENS = 5
# Threads: each count is tried on TRIAL tokens, then the faster one writes, the other tried again every
# RETRY tokens; a token's time weighs SMOOTHING in its count's running figure.
TRIAL = 3
RETRY = 40
SMOOTHING = 0.5


@dataclass(frozen=True)
class LineRules:
    """What a line may hold: ``body`` the characters of a sentence, ``capital`` whether a sentence starts
    with a capital letter, ``min_words`` the words a line needs before it may end after its first sentence,
    and ``describe``, the rules in words (for How it works)."""

    body: Callable[[str], bool]
    capital: bool
    min_words: int
    describe: tuple[str, ...]
    outside: _Outside = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "outside", _Outside(self.body))

    def holds(self, text: str) -> bool:
        """Whether every character of ``text`` may be in a sentence (at C speed for characters seen)."""
        return not text.translate(self.outside)


class _Outside(dict[int, int | None]):
    """A ``str.translate`` table that deletes the characters a sentence may hold and keeps the others,
    filled in as characters are met."""

    def __init__(self, body: Callable[[str], bool]) -> None:
        super().__init__()
        self.body = body

    def __missing__(self, code: int) -> int | None:
        self[code] = None if self.body(chr(code)) else code
        return self[code]


def _english_body(ch: str) -> bool:
    return ch.isascii() and (ch.isalpha() or ch in " ,'-")


def _any_body(ch: str) -> bool:
    return not ch.isdigit() and ch not in f'\n"{ENDS}' and unicodedata.category(ch)[0] != "C"


ENGLISH = LineRules(
    _english_body,
    capital=True,
    min_words=10,
    describe=(
        "a sentence starts with a capital letter",
        "only letters, spaces and , ' - inside a sentence: no digits (so it cannot invent numbers)",
        f"a sentence ends with . ! or ? once it has at least {MIN_SENTENCE_CHARS} characters",
        "after a sentence, the line may end (a new line, or the end of the text) once it has 10 words or "
        "more; a shorter one goes on to a second sentence",
        f"a line ends after its {MAX_SENTENCES}nd sentence at the latest",
    ),
)
ANY_LANGUAGE = LineRules(
    _any_body,
    capital=False,
    min_words=0,
    describe=(
        "no digits, quotes or new lines inside a sentence (so it cannot invent numbers)",
        f"a sentence ends with one of {' '.join(ENDS)} once it has at least {MIN_SENTENCE_CHARS} characters",
        "after a sentence the line may end (a new line, or the end of the text)",
        f"a line ends after its {MAX_SENTENCES}nd sentence at the latest",
    ),
)


def rules_for(language: str) -> LineRules:
    return ENGLISH if language == "en" else ANY_LANGUAGE


@dataclass(frozen=True)
class Vocabulary:
    """The model's tokens sorted by ``LineRules``: each token's text (bytes), which tokens end a sentence or
    the line, and for each state of a line the tokens it does not allow (as arrays of token ids)."""

    rules: LineRules
    pieces: list[bytes]
    ends: np.ndarray  # a token that ends a sentence
    line_ends: np.ndarray  # tokens that end the line
    not_first: np.ndarray  # the line's first token: a word (with a capital, in English)
    not_next: np.ndarray  # after a sentence, in a short line: a space and the next sentence's first word
    not_next_or_end: np.ndarray  # after a sentence, in a line long enough: the same, or the line's end
    not_short: np.ndarray  # inside a sentence shorter than MIN_SENTENCE_CHARS: a word
    not_long: np.ndarray  # inside a longer sentence: a word, or a token ending the sentence


def sort_piece(piece: str, rules: LineRules) -> tuple[bool, bool, bool, bool]:
    """(starts a line, starts a next sentence, goes inside a sentence, ends a sentence) for one token's
    text. A piece that is not whole UTF-8 (a byte of a longer character, shown as U+FFFD) goes inside a
    sentence in any language but English."""
    end = piece[-1:] in ENDS
    body = piece[:-1] if end else piece
    if not rules.holds(body):
        return False, False, False, False
    lead = body.lstrip(" ")
    spaces = len(body) - len(lead)
    starts = bool(lead) and spaces <= 1 and (not rules.capital or (lead[0].isascii() and lead[0].isupper()))
    return starts, starts and spaces == 1, bool(body) and not end, end


@lru_cache(maxsize=4)
def vocabulary(llm: Any, rules: LineRules) -> Vocabulary:
    """``llm``'s tokens sorted by ``rules``, once per model and rules (about 0.8 s for 262k), kept on disk
    for the next process that loads the same model file (named by the file, the rules and this code)."""
    stored = _stored(llm, rules)
    try:
        with np.load(stored, allow_pickle=False) as saved:
            return _unpacked(rules, dict(saved))
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile):  # none, or spoiled: sort
        pass
    vocab = _sorted(llm, rules)
    with contextlib.suppress(OSError, DiskFull), files.atomic_path(stored) as tmp, open(tmp, "wb") as out:
        np.savez(out, **_packed(vocab))
    return vocab


def _stored(llm: Any, rules: LineRules) -> Path:
    """Where the vocabulary of ``llm``'s model file sorted by ``rules`` is kept: named by the file, the
    rules, how characters sort (Unicode's tables, Python's version), llama.cpp's version (how tokens read)
    and this code."""
    import llama_cpp

    sorting = (rules.body.__name__, rules.capital, rules.min_words, rules.describe)
    made_by = (sorting, unicodedata.unidata_version, code_digest(__file__), llama_cpp.__version__)
    return kept_in_cache("vocabularies", Path(llm.model_path), ".npz", *made_by)


_ARRAYS = ("ends", "line_ends", "not_first", "not_next", "not_next_or_end", "not_short", "not_long")


def _packed(vocab: Vocabulary) -> dict[str, np.ndarray]:
    lengths = np.array([len(piece) for piece in vocab.pieces], dtype=np.int64)
    text = np.frombuffer(b"".join(vocab.pieces), dtype=np.uint8)
    return {"text": text, "lengths": lengths, **{name: getattr(vocab, name) for name in _ARRAYS}}


def _unpacked(rules: LineRules, saved: dict[str, np.ndarray]) -> Vocabulary:
    text, ends = saved["text"].tobytes(), np.cumsum(saved["lengths"]).tolist()
    pieces = [text[start:end] for start, end in zip([0, *ends], ends, strict=False)]
    return Vocabulary(rules, pieces, *(saved[name] for name in _ARRAYS))


def _sorted(llm: Any, rules: LineRules) -> Vocabulary:
    import llama_cpp

    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    buffer = ctypes.create_string_buffer(64)
    pieces = []
    for token in range(llm.n_vocab()):
        length = llama_cpp.llama_token_to_piece(vocab, token, buffer, len(buffer), 0, False)
        pieces.append(buffer.raw[:length] if length > 0 else b"")
    texts = [piece.decode("utf-8", errors="replace") for piece in pieces]
    starts, next_sentence, inside, ends = np.array(
        [sort_piece(text, rules) if text else (False,) * 4 for text in texts], dtype=bool
    ).T
    line_ends = np.zeros(len(pieces), dtype=bool)
    line_ends[llm.token_eos()] = True
    line_ends |= np.array([bool(piece) and not piece.strip(b"\n") for piece in pieces])
    if not (starts & ~ends).any() or not inside.any() or not ends.any():
        raise ValueError("the model's vocabulary has no tokens that the line's rules allow")
    next_word = next_sentence & ~ends
    allowed = (starts & ~ends, next_word, next_word | line_ends, inside, inside | ends)
    blocked = (np.flatnonzero(~mask).astype(np.int32) for mask in allowed)
    return Vocabulary(rules, pieces, ends, line_ends, *blocked)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits.astype(np.float64) - float(np.max(logits))
    weights = np.exp(shifted)
    return weights / weights.sum()


def _floor(p: float) -> float:
    """A probability rounded down (so that listed ones never sum to more than 1)."""
    return int(p * 1e6) / 1e6


@dataclass
class Line:
    """A line the model wrote: its text, the tokens it took, and ``points``, the model's likeliest next
    tokens at its first ``PROBED_TOKENS`` tokens (the softmax of its raw logits, before the rules and the
    sampler pick one), each with the token picked and the probability the model gave it."""

    text: str
    tokens: int
    read: int  # the tokens of the document the model read for it
    points: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _State:
    """Where a line is: its bytes, and the characters of the sentence it is in (0: between sentences)."""

    text: bytes = b""
    sentence: int = 0
    sentences: int = 0

    def blocked(self, vocab: Vocabulary) -> np.ndarray:
        if self.sentence == 0:
            if not self.text:
                return vocab.not_first
            long_enough = len(self.text.split()) >= vocab.rules.min_words
            return vocab.not_next_or_end if long_enough else vocab.not_next
        return vocab.not_long if self.sentence >= MIN_SENTENCE_CHARS else vocab.not_short

    def add(self, piece: bytes, ends: bool) -> None:
        self.text += piece
        self.sentence = 0 if ends else self.sentence + len(piece.decode("utf-8", errors="replace"))
        self.sentences += ends


_CANDIDATE = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)])  # llama_token_data


def _pick(chain: Any, logits: np.ndarray) -> int:
    """The token ``chain`` picks from the likeliest ``CANDIDATES`` of ``logits`` (and accepts)."""
    import llama_cpp as ll

    top = np.argpartition(logits, -CANDIDATES)[-CANDIDATES:]
    data = np.zeros(CANDIDATES, _CANDIDATE)
    data["id"], data["logit"] = top, logits[top]
    array = ll.llama_token_data_array(
        data.ctypes.data_as(ctypes.POINTER(ll.llama_token_data)), CANDIDATES, -1, False
    )
    ll.llama_sampler_apply(chain, ctypes.byref(array))
    token = int(data["id"][array.selected])
    ll.llama_sampler_accept(chain, token)
    return token


def _sampler(temperature: float, repeat_penalty: float, seed: int) -> Any:
    import llama_cpp as ll

    chain = ll.llama_sampler_chain_init(ll.llama_sampler_chain_default_params())
    for sampler in (
        ll.llama_sampler_init_penalties(PENALTY_LAST_N, repeat_penalty, 0.0, 0.0),
        ll.llama_sampler_init_top_k(TOP_K),
        ll.llama_sampler_init_top_p(TOP_P, 1),
        ll.llama_sampler_init_min_p(MIN_P, 1),
        ll.llama_sampler_init_temp(temperature),
        ll.llama_sampler_init_dist(seed),
    ):
        ll.llama_sampler_chain_add(chain, sampler)
    return chain


@dataclass
class Threads:
    """How many threads llama.cpp writes each token on, the job's ``most`` or one, chosen by how fast tokens
    come. On two idle cores, two threads write a token in 2/3 of one's time; beside a busy core, in twice
    its time (they wait for each other at every step of the model). So each count is tried on the first
    tokens, the faster writes, and the other is tried again now and then: the machine's load changes."""

    most: int
    seconds: dict[int, float] = field(default_factory=dict)  # a token's time on each count, smoothed
    tokens: int = 0

    def choose(self) -> int:
        """The threads for the next token."""
        n, self.tokens = self.tokens, self.tokens + 1
        if self.most <= 1:
            return 1
        if n < 2 * TRIAL:
            return self.most if n < TRIAL else 1
        faster, slower = sorted((self.most, 1), key=self.seconds.__getitem__)
        return slower if n % RETRY < TRIAL else faster

    def took(self, threads: int, seconds: float) -> None:
        """A token written on ``threads`` took ``seconds``."""
        before = self.seconds.get(threads, seconds)
        self.seconds[threads] = before + SMOOTHING * (seconds - before)


def write_line(
    llm: Any, document: str, rules: LineRules, *, max_tokens: int, temperature: float, repeat_penalty: float,
    seed: int, cue: str, start: Sequence[int] = (), threads: Threads | None = None,
) -> Line:  # fmt: skip
    """The line the model writes after ``document`` (which ends with ``cue``, such as "Scene 2:"). Where the
    model starts writing the cue's first word itself (the next scene's "Scene"), the line ends there.
    ``start``: the tokens every document begins with, whose state is kept (``llama_memory``)."""
    import llama_cpp as ll

    vocab = vocabulary(llm, rules)
    tokens = llm.tokenize(document.encode("utf-8"), add_bos=True, special=False)
    shared = len(start) if start and tokens[: len(start)] == list(start) else 0
    read = evaluate(llm, tokens, shared=shared)
    state = _State()
    line = Line("", 0, read)
    after = cue
    cue_word = _word_tokens(llm, cue.split()[0]) if cue.strip() else set()
    chain = _sampler(temperature, repeat_penalty, seed)
    try:
        for step in range(max_tokens):
            logits = np.ctypeslib.as_array(ll.llama_get_logits_ith(llm.ctx, -1), shape=(len(vocab.pieces),))
            probs = _softmax(logits) if step < PROBED_TOKENS else None
            logits = logits.copy()
            logits[state.blocked(vocab)] = -np.inf  # the rules
            token = _pick(chain, logits)
            line.tokens += 1
            piece = vocab.pieces[token]
            ended = bool(vocab.line_ends[token]) or token in cue_word
            if probs is not None:
                line.points.append(_point(probs, vocab, after, token, ended))
                after += piece.decode("utf-8", errors="replace")
            if ended:
                break
            state.add(piece, bool(vocab.ends[token]))
            if state.sentences >= MAX_SENTENCES or step + 1 == max_tokens:
                break
            _eval_one(llm, token, threads)
    finally:
        ll.llama_sampler_free(chain)
    line.text = state.text.decode("utf-8", errors="ignore")
    return line


def _eval_one(llm: Any, token: int, threads: Threads | None) -> None:
    """Give the model the token it wrote, on the threads ``threads`` chooses (and time it)."""
    if threads is None:
        llm.eval([token])
        return
    import llama_cpp as ll

    count = threads.choose()
    ll.llama_set_n_threads(llm.ctx, count, llm.n_threads_batch)
    started = time.perf_counter()
    llm.eval([token])
    threads.took(count, time.perf_counter() - started)


def _word_tokens(llm: Any, word: str) -> set[int]:
    """The tokens that are ``word`` (with a space before it, or without), where it is one token."""
    tokens = (llm.tokenize(text.encode("utf-8"), add_bos=False, special=False) for text in (word, f" {word}"))
    return {found[0] for found in tokens if len(found) == 1}


def _point(probs: np.ndarray, vocab: Vocabulary, after: str, picked: int, ended: bool) -> dict[str, Any]:
    def text(token: int) -> str:
        return vocab.pieces[token].decode("utf-8", errors="replace")

    top = np.argpartition(probs, -TOP_TOKENS)[-TOP_TOKENS:]
    top = top[np.argsort(-probs[top])]
    point: dict[str, Any] = {
        "after": after,
        "options": [{"token": text(t), "p": _floor(float(probs[t]))} for t in top],
    }
    if not ended:  # a line that ends here shows no picked token
        point.update(picked=text(picked), picked_p=_floor(float(probs[picked])))
    return point
