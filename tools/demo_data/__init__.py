"""The generator of the bundled demo data set (`repwatch/demo/mentions.jsonl.gz`)."""
