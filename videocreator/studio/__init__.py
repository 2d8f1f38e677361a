"""The studio: a thin Gradio front over the library. ``page`` builds the page once, ``handlers`` call the
library and return what changed, ``views`` draw what the page shows of a project, ``wiring`` connects the
two and names the public API, ``server`` guards a public server's uploads."""
