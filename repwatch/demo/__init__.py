"""The `repwatch demo` kit: a bundled data set about a fictional brand and a loopback server.

`data` loads the bundled mentions and places them in time around the demo's `now`;
`server` serves it shaped like the real APIs. The file is built at development time by
`python -m tools.demo_data.generate` (not part of the installed package).
"""
