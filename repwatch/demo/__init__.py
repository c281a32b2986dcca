"""The `repwatch demo` kit: a bundled data set about a fictional brand and a loopback server.

`data` loads the bundled mentions and places them in time around the demo's `now`;
`generate` rebuilds the bundled file; `server` serves it shaped like the real APIs.
"""
