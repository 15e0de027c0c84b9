"""Sphinx for the tutorial's static site (``./run site``): MyST-NB reads the committed notebooks without running
them, and the Jupyter Book theme lays them out. Every page is self-contained: no script, font or picture is
fetched from another site."""

project = "trkit"
author = "trkit"
copyright = "trkit contributors"
root_doc = "README"
extensions = ["myst_nb"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

nb_execution_mode = "off"  # the committed outputs are the pages' outputs
nb_merge_streams = True
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 4  # README links such as #the-notebooks work as they do on GitHub
suppress_warnings = ["misc.highlighting_failure"]

html_theme = "sphinx_book_theme"
html_title = "trkit · TaskRouter in JupyterLab"
html_static_path = ["_static"]
templates_path = ["_templates"]
html_css_files = ["trkit-site.css"]
html_js_files = ["trkit-site.js"]
html_context = {"default_mode": "light"}  # the theme logs an error on a first visit that has no mode stored
html_favicon = "_static/trkit.svg"  # a browser asks for /favicon.ico otherwise: a 404 on every page
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    "repository_url": "https://github.com/trkit/trkit",
    "use_repository_button": True,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "show_toc_level": 2,
}
