"""Results on disk: the one way drillsim writes a file, and results folders that are always one run's and whole.

    names     the files of a results folder, the manifest, the format version
    files     one file written atomically (text, bytes, JSON, CSV)
    folders   results folders built whole in staging and swapped in, under a lock; disk space
    run       one run's summary.json, incidents.csv and events.jsonl
    read      results folders read back
"""
