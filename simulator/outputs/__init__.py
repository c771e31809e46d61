"""Results on disk: the one way drillsim writes a file, and results folders that are always one run's and whole.

    names     the files of a results folder, the manifest, the format version
    files     one file written atomically (text, bytes, JSON, CSV)
    folders   results folders built whole in staging and swapped in, under a lock; disk space
    run       one run's summary.json, incidents.csv and events.parquet
    eventlog  the event log on disk (events.parquet): written as a run goes, read back, dumped as JSON lines
    read      results folders read back (events.jsonl of older folders too)
"""
