"""Build the optional C loop of the pattern index and the C Zeek conn/dns line readers;
everything else is in pyproject.toml.

``optional=True``: without a C compiler the install goes on and the index runs its
pure-Python loop (``stixhub/stix/patterns/_index.py``), the sensor its Python readers
(``stixhub/sensor/readers/_zeek_fast.py``), which give the same answers.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "stixhub.stix.patterns._speedups",
            ["src/stixhub/stix/patterns/_speedups.c"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
        Extension(
            "stixhub.sensor.readers._speedups",
            ["src/stixhub/sensor/readers/_speedups.c"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
    ]
)
