"""The stages over a project folder: write the script, make images, narrate, render.

Every function takes a ``ProjectFolder``, does its stage for what is missing or out of date, saves
``project.json`` and returns. Generated files are named by a hash of their inputs, so calling a stage
again after an edit redoes only what the edit touched, and a crash loses nothing finished. The work is
done in ``videocreator.stages``; this module is the API that front ends and your own code call.
"""

from .progress import Reporter
from .stages.choosing import check_stages, choose_backend, what_ran, writer_chain
from .stages.editing import (
    add_scene,
    change_project,
    change_settings,
    delete_scene,
    move_scene,
    set_script,
    update_scene,
    use_music,
    use_voice_reference,
)
from .stages.images import (
    choose_pictograms,
    image_is_current,
    make_image,
    make_images,
    regenerate_image,
    undo_image,
    upload_image,
)
from .stages.making import make_video, new_project
from .stages.script import write_script
from .stages.sizing import length_range, scenes_for_length
from .stages.states import scene_states
from .stages.video import render, render_seconds, scene_inputs
from .stages.voice import audio_is_current, audio_key, narrate_all, narrate_scene

__all__ = [
    "Reporter",
    "add_scene",
    "audio_is_current",
    "audio_key",
    "change_project",
    "change_settings",
    "check_stages",
    "choose_backend",
    "choose_pictograms",
    "delete_scene",
    "image_is_current",
    "length_range",
    "make_image",
    "make_images",
    "make_video",
    "move_scene",
    "narrate_all",
    "narrate_scene",
    "new_project",
    "regenerate_image",
    "render",
    "render_seconds",
    "scene_inputs",
    "scene_states",
    "scenes_for_length",
    "set_script",
    "undo_image",
    "update_scene",
    "upload_image",
    "use_music",
    "use_voice_reference",
    "what_ran",
    "write_script",
    "writer_chain",
]
